<?php
// SPDX-License-Identifier: GPL-2.0-or-later
declare(strict_types=1);

namespace Aurmig;

/**
 * The configuration file that config steps edit, against the database
 * (aurmig_config_check; docs/config-steps.md), copied out of the library.
 */
final class ConfigStatus
{
    // the library's names (aurmig_config_state_name()), tested to match
    public const IN_SYNC = 'in_sync';
    public const BEHIND = 'behind';
    public const EDITED = 'edited';
    public const PENDING = 'pending';
    public const MISSING = 'missing';

    /**
     * @param int    $code    the aurmig_config_state (AURMIG_CONFIG_* on the FFI object)
     * @param string $state   one of the constants above
     * @param string $message what differs and how to reconcile ('' when in sync)
     */
    public function __construct(
        public readonly int $code,
        public readonly string $state,
        public readonly string $message,
    ) {
    }

    public function isInSync(): bool
    {
        return $this->state === self::IN_SYNC;
    }

    /** @internal */
    public static function fromCode(\FFI $ffi, int $code, string $message): self
    {
        $state = $ffi->aurmig_config_state_name($code) ?? 'state-' . $code;
        return new self($code, $state, $state === self::IN_SYNC ? '' : $message);
    }
}
