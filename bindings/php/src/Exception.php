<?php
// SPDX-License-Identifier: GPL-2.0-or-later
declare(strict_types=1);

namespace Aurmig;

/**
 * A failure reported by libaurmig. getCode() is the library's (negative)
 * aurmig_error_code, getMessage() its message; the rest of the error
 * record (aurmig_error_last) is kept as well. One subclass per family of
 * codes, so callers catch what they can handle and never parse messages.
 */
class Exception extends \RuntimeException
{
    /** @internal */
    public function __construct(
        string $message,
        int $code,
        private int $errorClass = 0,
        private ?string $scriptFile = null,
        private int $scriptLine = 0,
        private ?string $revision = null,
        private ?string $statement = null,
        private int $dbCode = 0,
    ) {
        parent::__construct($message, $code);
    }

    /** An aurmig_error_class (AURMIG_ERRCLASS_*). */
    public function getErrorClass(): int { return $this->errorClass; }
    /** The migration script or configuration file involved, or null. */
    public function getScriptFile(): ?string { return $this->scriptFile; }
    /** The 1-based line in getScriptFile(), or 0. */
    public function getScriptLine(): int { return $this->scriptLine; }
    public function getRevision(): ?string { return $this->revision; }
    /** The failing SQL statement, or null. */
    public function getStatement(): ?string { return $this->statement; }
    /** The database driver's own error number, or 0. */
    public function getDbCode(): int { return $this->dbCode; }
    /** The code's name in the library's table (aurmig_error_name()): "ELOCKED", "EDB", ...; null for a number that is no code. */
    public function getErrorName(): ?string { return Library::ffi()->aurmig_error_name($this->getCode()); }

    /**
     * The exception for return code $rc, from the context's error record.
     * @internal
     * @param \FFI\CData|null $ctx an aurmig_context*
     */
    public static function fromContext(\FFI $ffi, $ctx, int $rc): self
    {
        $class = self::classFor($ffi, $rc);
        $e = $ctx !== null && !\FFI::isNull($ctx) ? $ffi->aurmig_error_last($ctx) : null;
        if ($e === null || $e->code !== $rc || $e->message === null) {
            return new $class($ffi->aurmig_error_str($rc), $rc);
        }
        return new $class($e->message, $rc, $e->klass, $e->file, $e->line, $e->revision, $e->statement, $e->db_code);
    }

    /**
     * The exception class of return code $rc. The library's table says the
     * code's family (aurmig_error_family(): "LockTimeout", "Usage", ...), and
     * the family names the class, <family>Exception; a code without one (or
     * a family this package lacks) is this base class.
     * @internal
     */
    public static function classFor(\FFI $ffi, int $rc): string
    {
        $family = $ffi->aurmig_error_family($rc);
        $class = $family === null ? null : __NAMESPACE__ . '\\' . $family . 'Exception';
        return $class !== null && class_exists($class) && is_subclass_of($class, self::class) ? $class : self::class;
    }
}

/** Out of memory (AURMIG_ENOMEM). */
class OutOfMemoryException extends Exception {}
/** Misuse of the API or an unsupported request (AURMIG_EINVALID, AURMIG_EBUFS, AURMIG_EUNSUPPORTED); also a closed object. */
class UsageException extends Exception {}
/** A malformed migration script or configuration file (AURMIG_EPARSE): see getScriptFile(), getScriptLine(). */
class ScriptException extends Exception {}
/** An inconsistent revision graph (AURMIG_EGRAPH). */
class GraphException extends Exception {}
/** A file or directory could not be read (AURMIG_EIO). */
class FileException extends Exception {}
/** A target or revision that resolves to nothing or to several revisions. */
class TargetException extends Exception {}
/** No such revision or label (AURMIG_ENOTFOUND). */
class NotFoundException extends TargetException {}
/** A prefix names several revisions; the message lists them (AURMIG_EAMBIGUOUS). */
class AmbiguousException extends TargetException {}
/** The database or its driver failed, or the version table held unexpected rows (AURMIG_EDB, AURMIG_ECONFLICT). */
class DatabaseException extends Exception {}
/** The deploy lock was not free in time, or a wait for the database timed out (a lock wait, a statement timeout, a deadlock: AURMIG_ELOCKED). */
class LockTimeoutException extends Exception {}
/** The database is in a state that needs a decision before migrating. */
class StateException extends Exception {}
/** The database holds a revision the migrations do not know (AURMIG_EUNKNOWNREV). */
class UnknownRevisionException extends StateException {}
/** A migration failed half-way earlier and awaits recovery (AURMIG_ERECOVERY). */
class RecoveryNeededException extends StateException {}
/** A migration is in progress: its run is alive and holds the deploy lock (AURMIG_EINPROGRESS). */
class InProgressException extends StateException {}
/** An applied migration's file changed since it ran (AURMIG_EDRIFT). */
class DriftException extends StateException {}
/** A script's precondition (`-- aurmig:assert QUERY`) failed before its step ran: nothing of that step ran, earlier steps stay applied; fix the data and run again (AURMIG_EASSERT). getScriptFile(), getScriptLine() name the assert. */
class PreconditionException extends StateException {}
/** A downgrade crosses a script without a downgrade section (AURMIG_EIRREVERSIBLE). */
class IrreversibleException extends StateException {}
/** A callback asked to stop (AURMIG_EUSER). */
class AbortedException extends Exception {}
