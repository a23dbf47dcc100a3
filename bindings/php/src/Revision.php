<?php
// SPDX-License-Identifier: GPL-2.0-or-later
declare(strict_types=1);

namespace Aurmig;

/** One migration script, copied out of the graph (it outlives the Migrator). */
final class Revision
{
    /**
     * @param string[] $parents      down revisions (none for a base, several for a merge)
     * @param string[] $dependencies depends_on, as written
     * @param string[] $labels       the branch labels that apply (own and inherited)
     */
    public function __construct(
        public readonly string $id,
        public readonly string $message,
        public readonly string $createDate,
        public readonly string $path,
        public readonly array $parents,
        public readonly array $dependencies,
        public readonly array $labels,
        public readonly bool $isHead,
        public readonly bool $isBase,
        public readonly bool $isBranchPoint,
        public readonly bool $isMergePoint,
    ) {
    }

    /** @internal @param \FFI\CData $m a const aurmig_migration* */
    public static function fromNative(\FFI $ffi, $m): self
    {
        $list = static function (string $count, string $at) use ($ffi, $m): array {
            $out = [];
            for ($i = 0, $n = $ffi->$count($m); $i < $n; $i++) {
                $out[] = $ffi->$at($m, $i);
            }
            return $out;
        };
        return new self(
            $ffi->aurmig_migration_id($m),
            $ffi->aurmig_migration_message($m),
            $ffi->aurmig_migration_create_date($m),
            $ffi->aurmig_migration_path($m),
            $list('aurmig_migration_parent_count', 'aurmig_migration_parent'),
            $list('aurmig_migration_dependency_count', 'aurmig_migration_dependency'),
            $list('aurmig_migration_branch_count', 'aurmig_migration_branch'),
            $ffi->aurmig_migration_is_head($m) !== 0,
            $ffi->aurmig_migration_is_base($m) !== 0,
            $ffi->aurmig_migration_is_branch_point($m) !== 0,
            $ffi->aurmig_migration_is_merge_point($m) !== 0,
        );
    }

    /** Alembic's history line: "parents -> id (head), message". */
    public function __toString(): string
    {
        $from = $this->parents ? implode(', ', $this->parents) : '<base>';
        return "$from -> {$this->id}" . ($this->isHead ? ' (head)' : '') . ", {$this->message}";
    }
}
