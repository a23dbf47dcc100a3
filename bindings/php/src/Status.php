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
    public const AT_HEAD = 'at-head';
    public const BEHIND = 'behind';
    public const UNKNOWN = 'unknown-revision';
    public const RECOVERY = 'awaiting-recovery';
    public const DRIFT = 'drift';

    /**
     * @param int      $code    the aurmig_state (AURMIG_STATE_* on the FFI object)
     * @param string   $state   one of the constants above
     * @param string[] $current the database's version rows
     * @param string[] $heads   the migrations' heads
     * @param string[] $pending what `upgrade heads` would run, in order
     */
    public function __construct(
        public readonly int $code,
        public readonly string $state,
        public readonly string $message,
        public readonly array $current,
        public readonly array $heads,
        public readonly array $pending,
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
        $state = match ($code) {
            $ffi->AURMIG_STATE_AT_HEAD => self::AT_HEAD,
            $ffi->AURMIG_STATE_BEHIND => self::BEHIND,
            $ffi->AURMIG_STATE_UNKNOWN => self::UNKNOWN,
            $ffi->AURMIG_STATE_RECOVERY => self::RECOVERY,
            $ffi->AURMIG_STATE_DRIFT => self::DRIFT,
            default => 'state-' . $code,
        };
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
        return new self($code, $state, $ffi->aurmig_status_message($s) ?? '', ...$lists);
    }
}
