<?php
// SPDX-License-Identifier: GPL-2.0-or-later
declare(strict_types=1);

namespace Aurmig;

/**
 * The steps from the database's current heads to a target (aurmig_plan).
 *
 * Made by Migrator::plan(); it holds the deploy lock until it is closed
 * (or destroyed). Iterating it applies the steps one by one with the
 * library's pull API (aurmig_plan_next) and yields each applied Step, so a
 * caller reports progress without a C callback (FFI callbacks are slow and
 * leak until the end of the request).
 *
 * @implements \IteratorAggregate<int, Step>
 */
final class Plan implements \IteratorAggregate, \Countable
{
    /** @var \FFI\CData|null aurmig_plan* */
    private $ptr;
    private ?Migrator $owner;
    private bool $iterating = false;

    /** @internal @param \FFI\CData $ptr */
    public function __construct(Migrator $owner, private \FFI $ffi, $ptr)
    {
        $this->owner = $owner;
        $this->ptr = $ptr;
    }

    public function __destruct()
    {
        $this->close();
    }

    /**
     * Free the plan and release the deploy lock. A plan closed inside a
     * whole-plan transaction rolls it back. Safe to call more than once.
     */
    public function close(): void
    {
        if ($this->ptr !== null) {
            $p = $this->ptr;
            $this->ptr = null;
            $this->ffi->aurmig_plan_free($p);
        }
        $this->owner = null;
    }

    public function isClosed(): bool
    {
        return $this->ptr === null;
    }

    /** Number of steps in the plan. */
    public function count(): int
    {
        return $this->ffi->aurmig_plan_count($this->live());
    }

    /** @return Step[] the planned steps (statements 0, seconds -1 until they ran). */
    public function steps(): array
    {
        $p = $this->live();
        $out = [];
        for ($i = 0, $n = $this->ffi->aurmig_plan_count($p); $i < $n; $i++) {
            $out[] = Step::fromNative($this->ffi, $this->ffi->aurmig_plan_at($p, $i));
        }
        return $out;
    }

    /** @return string[] the version rows before the plan */
    public function before(): array
    {
        return $this->rows('aurmig_plan_before_count', 'aurmig_plan_before');
    }

    /**
     * The declared schema this plan builds the empty database from before
     * its steps (upgrade to the heads on an empty database), or null.
     */
    public function initSchema(): ?string
    {
        return $this->ffi->aurmig_plan_init_schema($this->live());
    }

    /** @return string[] the version rows once every step has run */
    public function after(): array
    {
        return $this->rows('aurmig_plan_after_count', 'aurmig_plan_after');
    }

    /**
     * Apply the remaining steps one at a time, yielding each as it is done.
     * @return \Generator<int, Step>
     */
    public function getIterator(): \Generator
    {
        $this->live();
        if ($this->iterating) {
            throw new UsageException('the plan is already being iterated', $this->ffi->AURMIG_EINVALID);
        }
        $this->iterating = true;
        try {
            $step = $this->ffi->new('const aurmig_step*');
            while (true) {
                $p = $this->live();
                $rc = $this->ffi->aurmig_plan_next(\FFI::addr($step), $p);
                if ($rc === $this->ffi->AURMIG_ITEROVER) {
                    return;
                }
                if ($rc !== 0) {
                    throw $this->owner->exception($rc);
                }
                yield Step::fromNative($this->ffi, $step);
            }
        } finally {
            $this->iterating = false;
        }
    }

    /**
     * Apply every remaining step.
     * @param callable(Step):void|null $onStep called after each step
     * @return Step[] the steps applied
     */
    public function run(?callable $onStep = null): array
    {
        $done = [];
        foreach ($this as $step) {
            $done[] = $step;
            if ($onStep !== null) {
                $onStep($step);
            }
        }
        return $done;
    }

    /** @return \FFI\CData */
    private function live()
    {
        if ($this->ptr === null) {
            throw new UsageException('the plan is closed', $this->ffi->AURMIG_EINVALID);
        }
        return $this->ptr;
    }

    private function rows(string $count, string $at): array
    {
        $p = $this->live();
        $out = [];
        for ($i = 0, $n = $this->ffi->$count($p); $i < $n; $i++) {
            $out[] = $this->ffi->$at($p, $i);
        }
        return $out;
    }
}
