<?php
// SPDX-License-Identifier: GPL-2.0-or-later
declare(strict_types=1);

namespace Aurmig;

/** One step of a plan, copied out of it. */
final class Step
{
    public const UPGRADE = 'upgrade';
    public const DOWNGRADE = 'downgrade';
    public const STAMP = 'stamp';

    /**
     * @param string      $kind      self::UPGRADE, self::DOWNGRADE or self::STAMP
     * @param string|null $revision  the migration that runs (null for a stamp step)
     * @param string[]    $from      revisions the step moves from
     * @param string[]    $to        revisions it moves to (none: base)
     * @param int         $statements statements run (0 before the step ran)
     * @param float       $seconds   wall-clock time, -1 before the step ran
     */
    public function __construct(
        public readonly string $kind,
        public readonly ?string $revision,
        public readonly string $message,
        public readonly array $from,
        public readonly array $to,
        public readonly int $statements,
        public readonly float $seconds,
    ) {
    }

    /** @internal @param \FFI\CData $s a const aurmig_step* */
    public static function fromNative(\FFI $ffi, $s): self
    {
        $k = $ffi->aurmig_step_kind_of($s);
        $kind = $ffi->aurmig_step_kind_name($k) ?? 'kind-' . $k;
        $m = $ffi->aurmig_step_migration($s);
        $from = $to = [];
        for ($i = 0, $n = $ffi->aurmig_step_from_count($s); $i < $n; $i++) {
            $from[] = $ffi->aurmig_step_from($s, $i);
        }
        for ($i = 0, $n = $ffi->aurmig_step_to_count($s); $i < $n; $i++) {
            $to[] = $ffi->aurmig_step_to($s, $i);
        }
        $null = $m === null || \FFI::isNull($m);
        return new self(
            $kind,
            $null ? null : $ffi->aurmig_migration_id($m),
            $null ? '' : $ffi->aurmig_migration_message($m),
            $from,
            $to,
            $ffi->aurmig_step_statements($s),
            $ffi->aurmig_step_seconds($s),
        );
    }

    /** Alembic's log line: "Running upgrade a -> b, message". */
    public function __toString(): string
    {
        $f = $this->from ? implode(', ', $this->from) : '';
        $t = $this->to ? implode(', ', $this->to) : '';
        $verb = $this->kind === self::STAMP ? 'Running stamp_revision' : "Running {$this->kind}";
        return "$verb $f -> $t" . ($this->message !== '' ? ", {$this->message}" : '');
    }
}
