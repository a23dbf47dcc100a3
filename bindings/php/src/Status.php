<?php
// SPDX-License-Identifier: GPL-2.0-or-later
declare(strict_types=1);

namespace Aurmig;

/**
 * The read-only start-up check (aurmig_status_new / aurmig_status_from),
 * copied out of the library: it holds nothing native.
 */
final class Status
{
    // the library's names (aurmig_state_name()), which $state carries;
    // the constants are for comparing with, and tested to match
    public const AT_HEAD = 'at_head';
    public const BEHIND = 'behind';
    public const UNKNOWN = 'unknown_revision';
    public const RECOVERY = 'needs_recovery';
    public const DRIFT = 'drift';
    /** a migration is running now (the message names its run): wait, do not recover */
    public const IN_PROGRESS = 'in_progress';

    /**
     * @param int      $code    the aurmig_state (AURMIG_STATE_* on the FFI object)
     * @param string   $state   its name from the library (aurmig_state_name()): one of the constants above
     * @param string[] $current the database's version rows
     * @param string[] $heads   the migrations' heads
     * @param string[] $pending what `upgrade heads` would run, in order
     * @param array|null $run     in progress: its run's journal row (run_id, host, pid, since,
     *                            revision, operation, statement, statements; the numbers as int)
     */
    public function __construct(
        public readonly int $code,
        public readonly string $state,
        public readonly string $message,
        public readonly array $current,
        public readonly array $heads,
        public readonly array $pending,
        public readonly ?array $run = null,
    ) {
    }

    public function isAtHead(): bool
    {
        return $this->state === self::AT_HEAD;
    }

    /** @internal @param \FFI\CData $s an aurmig_status* (not freed here) */
    public static function fromNative(\FFI $ffi, $s): self
    {
        $code = $ffi->aurmig_status_state($s);
        $state = $ffi->aurmig_state_name($code) ?? 'state-' . $code;
        $lists = [];
        foreach (['current', 'head', 'pending'] as $what) {
            $count = "aurmig_status_{$what}_count";
            $at = "aurmig_status_$what";
            $l = [];
            for ($i = 0, $n = $ffi->$count($s); $i < $n; $i++) {
                $l[] = $ffi->$at($s, $i);
            }
            $lists[] = $l;
        }
        $run = null;
        if ($code === $ffi->AURMIG_STATE_IN_PROGRESS) {
            $run = [];
            foreach (['run_id' => 'AURMIG_RUN_ID', 'host' => 'AURMIG_RUN_HOST', 'pid' => 'AURMIG_RUN_PID',
                'since' => 'AURMIG_RUN_SINCE', 'revision' => 'AURMIG_RUN_REVISION',
                'operation' => 'AURMIG_RUN_OPERATION', 'statement' => 'AURMIG_RUN_STATEMENT',
                'statements' => 'AURMIG_RUN_STATEMENTS'] as $key => $const) {
                $v = $ffi->aurmig_status_run($s, $ffi->$const);
                $run[$key] = $v !== null && in_array($key, ['pid', 'statement', 'statements'], true) ? (int)$v : $v;
            }
        }
        return new self($code, $state, $ffi->aurmig_status_message($s) ?? '', ...[...$lists, $run]);
    }
}
