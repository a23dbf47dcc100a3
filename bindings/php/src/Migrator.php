<?php
// SPDX-License-Identifier: GPL-2.0-or-later
declare(strict_types=1);

namespace Aurmig;

/**
 * A migrations directory and a database, kept open: the start-up check,
 * current/heads/history, and upgrade/downgrade/stamp.
 *
 *     $m = new Aurmig\Migrator('migrations', url: 'sqlite:///aur.db');
 *     if (!$m->check()->isAtHead()) { ... }
 *     foreach ($m->plan('upgrade', 'heads') as $step) echo $step, "\n";
 *
 * Failures throw Aurmig\Exception subclasses carrying the library's code
 * and message. Objects may be closed or dropped in any order: closing the
 * Migrator closes its open plans first; a Plan keeps its Migrator alive.
 * One Migrator must not be used by two threads at once.
 */
final class Migrator
{
    /** @var \FFI\CData|null aurmig_context* */
    private $ctx;
    /** @var \FFI\CData|null aurmig_graph* */
    private $graph;
    /** @var \FFI\CData|null aurmig_conn* */
    private $conn;
    private \FFI $ffi;
    /** @var \WeakMap<Plan, true> plans not yet closed */
    private \WeakMap $plans;
    private int $lockTimeoutMs;
    private ?string $configFile;
    /** @var array<string, \Closure> the C side holds these as function pointers: kept alive here */
    private array $hooks = [];
    private ?\Throwable $hookError = null;

    /**
     * @param string      $directory      the migrations directory
     * @param string|null $url            a connection URL (sqlite:///..., mysql://..., pgsql://...)
     * @param string|null $aurwebConfig   or aurweb's configuration file (give exactly one)
     * @param int         $lockTimeoutMs  how long upgrade/downgrade/stamp wait for the deploy lock (< 0: forever)
     * @param string|null $configFile     the INI file the migrations' config steps edit
     *                                    (aurmig_plan_options.config_file, docs/config-steps.md), also for
     *                                    configCheck() and configStamp(); null when there are no config steps
     */
    public function __construct(string $directory, ?string $url = null, ?string $aurwebConfig = null,
        int $lockTimeoutMs = 60000, ?string $configFile = null)
    {
        $this->ffi = Library::ffi();
        $this->plans = new \WeakMap();
        $this->lockTimeoutMs = $lockTimeoutMs;
        $this->configFile = $configFile;
        if (($url === null) === ($aurwebConfig === null)) {
            throw new UsageException('give exactly one of url and aurwebConfig', $this->ffi->AURMIG_EINVALID);
        }
        $f = $this->ffi;
        $ctx = $f->new('aurmig_context*');
        $rc = $f->aurmig_context_new(\FFI::addr($ctx));
        if ($rc !== 0) {
            throw Exception::fromContext($f, null, $rc);
        }
        $this->ctx = $ctx;
        try {
            $g = $f->new('aurmig_graph*');
            $this->checkRc($f->aurmig_graph_load(\FFI::addr($g), $ctx, $directory));
            $this->graph = $g;
            $c = $f->new('aurmig_conn*');
            $this->checkRc($url !== null ? $f->aurmig_conn_open(\FFI::addr($c), $ctx, $url)
                : $f->aurmig_conn_open_aurweb_config(\FFI::addr($c), $ctx, $aurwebConfig));
            $this->conn = $c;
        } catch (\Throwable $e) {
            $this->close();
            throw $e;
        }
    }

    public function __destruct()
    {
        $this->close();
    }

    /**
     * The one-call start-up check (aurmig_status_new_timeout): load the
     * migrations, connect, read, report, let go of everything. Read-only.
     * $timeout: seconds any statement may wait for a lock or an answer
     * (null or 0: no bound); past it a LockTimeoutException ("timed out
     * waiting for the database"), so an application start never hangs.
     */
    public static function status(string $directory, ?string $url = null, ?string $aurwebConfig = null,
        ?float $timeout = 5.0): Status
    {
        $f = Library::ffi();
        $ctx = $f->new('aurmig_context*');
        $rc = $f->aurmig_context_new(\FFI::addr($ctx));
        if ($rc !== 0) {
            throw Exception::fromContext($f, null, $rc);
        }
        try {
            $s = $f->new('aurmig_status*');
            $rc = $f->aurmig_status_new_timeout(\FFI::addr($s), $ctx, $url, $aurwebConfig, $directory,
                (int)round(($timeout ?? 0) * 1000));
            if ($rc !== 0) {
                throw Exception::fromContext($f, $ctx, $rc);
            }
            try {
                return Status::fromNative($f, $s);
            } finally {
                $f->aurmig_status_free($s);
            }
        } finally {
            $f->aurmig_context_free($ctx);
        }
    }

    /** The start-up check on this Migrator's graph and connection (aurmig_status_from). Read-only. */
    public function check(): Status
    {
        $f = $this->ffi;
        $s = $f->new('aurmig_status*');
        $this->checkRc($f->aurmig_status_from(\FFI::addr($s), $this->liveConn(), $this->graph));
        try {
            return Status::fromNative($f, $s);
        } finally {
            $f->aurmig_status_free($s);
        }
    }

    /**
     * Compare the configuration file ($configFile, else the Migrator's) with
     * the database, read-only (aurmig_config_check).
     */
    public function configCheck(?string $configFile = null): ConfigStatus
    {
        $f = $this->ffi;
        $path = $this->configPath($configFile);
        $cs = $f->new('aurmig_config_status *');
        $this->checkRc($f->aurmig_config_status_new(\FFI::addr($cs), $this->liveConn(), $this->graph, $path));
        try {
            return ConfigStatus::fromCode($f, $f->aurmig_config_status_state($cs),
                (string) $f->aurmig_config_status_message($cs));
        } finally {
            $f->aurmig_config_status_free($cs);
        }
    }

    /**
     * Accept the configuration file as it is (aurmig_config_stamp): mark it
     * with the database's revision(s), journal its checksum, resolve pending
     * config steps. Takes the deploy lock.
     */
    public function configStamp(?string $configFile = null): void
    {
        $f = $this->ffi;
        $this->checkRc($f->aurmig_config_stamp($this->liveConn(), $this->graph, $this->configPath($configFile)));
    }

    private function configPath(?string $configFile): string
    {
        $path = $configFile ?? $this->configFile;
        if ($path === null) {
            throw new UsageException('no configuration file: give configFile', $this->ffi->AURMIG_EINVALID);
        }
        if (str_contains($path, "\0")) {
            throw new UsageException('a NUL byte in a string argument', $this->ffi->AURMIG_EINVALID);
        }
        return $path;
    }

    /** @return string[] the rows of the version table (alembic_version) */
    public function currentRows(): array
    {
        $f = $this->ffi;
        $conn = $this->liveConn();
        $n = $f->new('size_t');
        $this->checkRc($f->aurmig_conn_read_current($conn, \FFI::addr($n)));
        $rows = [];
        for ($i = 0; $i < $n->cdata; $i++) {
            $rows[] = $f->aurmig_conn_current_head($conn, $i);
        }
        return $rows;
    }

    /**
     * What `current` shows: the version rows plus what they imply through
     * depends_on, newest first, as Alembic does. Unknown ids are left out
     * (check() reports them).
     * @return Revision[]
     */
    public function current(): array
    {
        $rows = $this->currentRows();
        [$arr, $keep] = $this->cStrings($rows);
        $l = $this->ffi->new('aurmig_revlist*');
        $this->checkRc($this->ffi->aurmig_graph_current(\FFI::addr($l), $this->graph, $arr, \count($rows)));
        return $this->revlist($l);
    }

    /** @return Revision[] the heads of the migrations, in topological order */
    public function heads(): array
    {
        $f = $this->ffi;
        $g = $this->liveGraph();
        $out = [];
        for ($i = 0, $n = $f->aurmig_graph_head_count($g); $i < $n; $i++) {
            $out[] = Revision::fromNative($f, $f->aurmig_graph_head($g, $i));
        }
        return $out;
    }

    /**
     * Revisions newest first, as `aurmig history -r RANGE` lists them.
     * @param string|null $range null for all, else "lower:upper" (either side may be empty or `current`)
     * @return Revision[]
     */
    public function history(?string $range = null): array
    {
        $rows = $range === null || $range === '' ? [] : $this->currentRows();
        [$arr, $keep] = $this->cStrings($rows);
        $l = $this->ffi->new('aurmig_revlist*');
        $this->checkRc($this->ffi->aurmig_graph_history(\FFI::addr($l), $this->liveGraph(), $range,
            $arr, \count($rows)));
        return $this->revlist($l);
    }

    /** One revision: full id, unique prefix, branch label or label@prefix. */
    public function revision(string $spec): Revision
    {
        $m = $this->ffi->new('const aurmig_migration*');
        $this->checkRc($this->ffi->aurmig_graph_lookup(\FFI::addr($m), $this->liveGraph(), $spec));
        return Revision::fromNative($this->ffi, $m);
    }

    /**
     * Plan a command; it holds the deploy lock until closed. Iterate it (or
     * call run()) to apply the steps.
     * @param string          $command 'upgrade', 'downgrade' or 'stamp'
     * @param string|string[] $targets one target (several for stamp)
     * @param bool $oneTransaction the whole plan in one transaction (SQLite, PostgreSQL)
     * @param bool $purge          stamp only: empty the version table first
     * @param string|null $configFile the file config steps edit (default: the Migrator's)
     */
    public function plan(string $command, string|array $targets, bool $oneTransaction = false,
        bool $purge = false, ?string $configFile = null): Plan
    {
        $f = $this->ffi;
        $cmd = match ($command) {
            'upgrade' => $f->AURMIG_CMD_UPGRADE,
            'downgrade' => $f->AURMIG_CMD_DOWNGRADE,
            'stamp' => $f->AURMIG_CMD_STAMP,
            default => throw new UsageException("unknown command '$command'", $f->AURMIG_EINVALID),
        };
        $targets = \is_array($targets) ? array_values($targets) : [$targets];
        $conn = $this->liveConn();
        $opts = $f->new('aurmig_plan_options');
        $this->checkRc($f->aurmig_plan_options_init(\FFI::addr($opts), $f->AURMIG_PLAN_OPTIONS_VERSION));
        $opts->flags = ($oneTransaction ? $f->AURMIG_PLAN_ONE_TRANSACTION : 0) | ($purge ? $f->AURMIG_PLAN_PURGE : 0);
        $opts->lock_timeout_ms = $this->lockTimeoutMs;
        $path = $configFile ?? $this->configFile;
        if ($path !== null) {
            // kept alive through aurmig_plan_new, which copies it
            [, $pathKeep] = $this->cStrings([$path]);
            $opts->config_file = $f->cast('const char*', \FFI::addr($pathKeep[0][0]));
        }
        [$arr, $keep] = $this->cStrings($targets);
        $p = $f->new('aurmig_plan*');
        $this->checkRc($f->aurmig_plan_new(\FFI::addr($p), $conn, $this->graph, $cmd, $arr, \count($targets),
            \FFI::addr($opts)));
        $plan = new Plan($this, $f, $p);
        $this->plans[$plan] = true;
        return $plan;
    }

    /**
     * Upgrade to $target (default: every head).
     * @param callable(Step):void|null $onStep called after each step
     * @return Step[] what ran; [] when already there
     */
    public function upgrade(string $target = 'heads', ?callable $onStep = null, bool $oneTransaction = false,
        ?string $configFile = null): array
    {
        return $this->runPlan($this->plan('upgrade', $target, $oneTransaction, false, $configFile), $onStep);
    }

    /** Downgrade to $target ('base', '-1', a revision, ...). @return Step[] */
    public function downgrade(string $target, ?callable $onStep = null, bool $oneTransaction = false,
        ?string $configFile = null): array
    {
        return $this->runPlan($this->plan('downgrade', $target, $oneTransaction, false, $configFile), $onStep);
    }

    /** Rewrite the version table without running scripts. @param string|string[] $targets @return Step[] */
    public function stamp(string|array $targets, bool $purge = false): array
    {
        return $this->runPlan($this->plan('stamp', $targets, false, $purge), null);
    }

    /**
     * Build an empty database from the migrations' declared schema
     * (aurmig_init: schema/<dialect>.sql or schema/portable.sql) and stamp it
     * at the schema's revision. Takes the deploy lock. upgrade() on an empty
     * database does the same when the migrations ship a declared schema.
     * @return string[] the version rows
     */
    public function init(): array
    {
        $f = $this->ffi;
        $opts = $f->new('aurmig_plan_options');
        $this->checkRc($f->aurmig_plan_options_init(\FFI::addr($opts), $f->AURMIG_PLAN_OPTIONS_VERSION));
        $opts->lock_timeout_ms = $this->lockTimeoutMs;
        $this->checkRc($f->aurmig_init($this->liveConn(), $this->graph, \FFI::addr($opts)));
        return $this->currentRows();
    }

    /** The connection URL with the password masked. */
    public function displayUrl(): string
    {
        return $this->ffi->aurmig_conn_display_url($this->liveConn());
    }

    /** 'sqlite', 'mysql' or 'pgsql'. */
    public function dialect(): string
    {
        $f = $this->ffi;
        return match ($f->aurmig_conn_dialect($this->liveConn())) {
            $f->AURMIG_DIALECT_SQLITE => 'sqlite',
            $f->AURMIG_DIALECT_MYSQL => 'mysql',
            $f->AURMIG_DIALECT_PGSQL => 'pgsql',
            default => 'unknown',
        };
    }

    /**
     * Who holds the deploy lock, without taking it (aurmig_lock_info_new;
     * read-only; `aurmig lock --json` without "url").
     * @return array{kind: string, name: ?string, held: bool, expired: bool, mine: bool, holder: ?array}
     *   kind 'flock', 'get_lock', 'advisory' or 'lease'; expired: a lease row its run stopped
     *   renewing; mine: this Migrator holds it; holder null when free, else what the lock kind
     *   and the server tell (owner, host, pid, node, connection, user, acquired_at,
     *   heartbeat_at, expires_at; pid and connection as int)
     */
    public function lockInfo(): array
    {
        $f = $this->ffi;
        $li = $f->new('aurmig_lock_info*');
        $this->checkRc($f->aurmig_lock_info_new(\FFI::addr($li), $this->liveConn()));
        try {
            return $this->lockArray($li);
        } finally {
            $f->aurmig_lock_info_free($li);
        }
    }

    /**
     * Break the deploy lock (aurmig_lock_break, `aurmig lock --break`): only
     * an expired lease whose holder is not seen alive, unless $force (a live
     * lease is deleted, the holding session killed). A live holder without
     * $force: InProgressException; a lock that changed hands meanwhile:
     * LockTimeoutException; an flock of another process: UsageException
     * (stop that process).
     * @return array the lock as it was (lockInfo()'s shape; holder null: nothing was held)
     */
    public function lockBreak(bool $force = false): array
    {
        $f = $this->ffi;
        $li = $f->new('aurmig_lock_info*');
        $this->checkRc($f->aurmig_lock_break($this->liveConn(), $force ? 1 : 0, \FFI::addr($li)));
        try {
            return $this->lockArray($li);
        } finally {
            $f->aurmig_lock_info_free($li);
        }
    }

    /**
     * null on a primary (or SQLite); on a read-only replica ['lag_seconds' =>
     * seconds behind, or null where the server does not tell]
     * (aurmig_conn_replica, `check --json`'s "replica"; docs/clusters.md).
     */
    public function replica(): ?array
    {
        $f = $this->ffi;
        $is = $f->new('int');
        $lag = $f->new('double');
        $this->checkRc($f->aurmig_conn_replica($this->liveConn(), \FFI::addr($is), \FFI::addr($lag)));
        return $is->cdata ? ['lag_seconds' => $lag->cdata >= 0 ? (float)$lag->cdata : null] : null;
    }

    private function lockArray($li): array
    {
        $f = $this->ffi;
        $held = (bool)$f->aurmig_lock_info_held($li);
        $expired = (bool)$f->aurmig_lock_info_expired($li);
        $holder = null;
        if ($held || $expired) {
            $holder = [];
            foreach ([
                'owner' => [$f->AURMIG_LOCKINFO_OWNER, false], 'host' => [$f->AURMIG_LOCKINFO_HOST, false],
                'pid' => [$f->AURMIG_LOCKINFO_PID, true], 'node' => [$f->AURMIG_LOCKINFO_NODE, false],
                'connection' => [$f->AURMIG_LOCKINFO_CONNECTION, true], 'user' => [$f->AURMIG_LOCKINFO_USER, false],
                'acquired_at' => [$f->AURMIG_LOCKINFO_ACQUIRED_AT, false],
                'heartbeat_at' => [$f->AURMIG_LOCKINFO_HEARTBEAT_AT, false],
                'expires_at' => [$f->AURMIG_LOCKINFO_EXPIRES_AT, false],
            ] as $key => [$field, $num]) {
                $v = $f->aurmig_lock_info_field($li, $field);
                if ($v !== null) {
                    $holder[$key] = $num && preg_match('/^-?[0-9]+$/', $v) ? (int)$v : $v;
                }
            }
        }
        return [
            'kind' => match ($f->aurmig_lock_info_kind($li)) {
                $f->AURMIG_LOCK_KIND_FLOCK => 'flock',
                $f->AURMIG_LOCK_KIND_GET_LOCK => 'get_lock',
                $f->AURMIG_LOCK_KIND_ADVISORY => 'advisory',
                $f->AURMIG_LOCK_KIND_LEASE => 'lease',
                default => 'unknown',
            },
            'name' => $f->aurmig_lock_info_field($li, $f->AURMIG_LOCKINFO_NAME),
            'held' => $held, 'expired' => $expired, 'mine' => (bool)$f->aurmig_lock_info_mine($li),
            'holder' => $holder,
        ];
    }

    /** Close open plans, the connection and the graph. Safe to call more than once. */
    public function close(): void
    {
        if (isset($this->plans)) {
            // no new objects here: this also runs during PHP's shutdown
            $open = [];
            foreach ($this->plans as $plan => $_) {
                $open[] = $plan;
            }
            foreach ($open as $plan) {
                $plan->close();
                unset($this->plans[$plan]);
            }
        }
        $f = $this->ffi ?? null;
        if ($f === null) {
            return;
        }
        if ($this->conn !== null) {
            $c = $this->conn;
            $this->conn = null;
            $f->aurmig_conn_free($c);
        }
        if ($this->graph !== null) {
            $g = $this->graph;
            $this->graph = null;
            $f->aurmig_graph_free($g);
        }
        if ($this->ctx !== null) {
            $c = $this->ctx;
            $this->ctx = null;
            $f->aurmig_context_free($c);
        }
    }

    public function isClosed(): bool
    {
        return $this->conn === null;
    }

    /** @internal the exception for a return code, from this Migrator's error record */
    public function exception(int $rc): Exception
    {
        return Exception::fromContext($this->ffi, $this->ctx, $rc);
    }

    private function checkRc(int $rc): void
    {
        if ($rc !== 0) {
            throw Exception::fromContext($this->ffi, $this->ctx, $rc);
        }
    }

    /**
     * Run $fn($migrator, $hookName, $revision, $direction) where a migration
     * says `-- aurmig:hook NAME` ($direction is 'upgrade' or 'downgrade').
     * It runs inside the migration's transaction: use execute($sql) there.
     * With $ownConnection the step commits before $fn runs ($fn uses a
     * connection of its own). An exception thrown by $fn fails the step
     * (rolled back where the database can) and comes back out of
     * upgrade()/downgrade()/plan runs. $fn = null removes the hook.
     * (A PHP FFI callback stays allocated until the end of the request.)
     */
    public function hook(string $name, ?callable $fn, bool $ownConnection = false): void
    {
        $f = $this->ffi;
        $ctx = $this->ctx;
        if ($ctx === null) {
            throw new UsageException('the Migrator is closed', $f->AURMIG_EINVALID);
        }
        if ($fn === null) {
            $this->checkRc($f->aurmig_context_set_hook($ctx, $name, null, null, 0));
            unset($this->hooks[$name]);
            return;
        }
        $up = $f->AURMIG_UPGRADE;
        $trampoline = function ($payload, $conn, $hook, $revision, $direction) use ($fn, $up): int {
            try {
                $fn($this, is_string($hook) ? $hook : \FFI::string($hook),
                    is_string($revision) ? $revision : \FFI::string($revision),
                    $direction === $up ? 'upgrade' : 'downgrade');
                return 0;
            } catch (\Throwable $e) {     // reported when the plan stops
                $this->hookError = $e;
                return 1;
            }
        };
        $this->checkRc($f->aurmig_context_set_hook($ctx, $name, $trampoline, null,
            $ownConnection ? $f->AURMIG_HOOK_OWN_CONNECTION : 0));
        $this->hooks[$name] = $trampoline;
    }

    /** Run one SQL statement on the migration's connection (for hooks). */
    public function execute(string $sql): void
    {
        $this->checkRc($this->ffi->aurmig_conn_exec($this->liveConn(), $sql));
    }

    /** @return Step[] */
    private function runPlan(Plan $plan, ?callable $onStep): array
    {
        $this->hookError = null;
        try {
            return $plan->run($onStep);
        } catch (Exception $e) {
            if ($this->hookError !== null) {
                $hook = $this->hookError;
                $this->hookError = null;
                throw $hook;          // the hook's own exception, not "hook failed"
            }
            throw $e;
        } finally {
            $plan->close();
        }
    }

    /** @return \FFI\CData */
    private function liveConn()
    {
        if ($this->conn === null) {
            throw new UsageException('the Migrator is closed', $this->ffi->AURMIG_EINVALID);
        }
        return $this->conn;
    }

    /** @return \FFI\CData */
    private function liveGraph()
    {
        if ($this->graph === null) {
            throw new UsageException('the Migrator is closed', $this->ffi->AURMIG_EINVALID);
        }
        return $this->graph;
    }

    /** @param \FFI\CData $l an aurmig_revlist*, freed here @return Revision[] */
    private function revlist($l): array
    {
        $f = $this->ffi;
        try {
            $out = [];
            for ($i = 0, $n = $f->aurmig_revlist_count($l); $i < $n; $i++) {
                $out[] = Revision::fromNative($f, $f->aurmig_revlist_at($l, $i));
            }
            return $out;
        } finally {
            $f->aurmig_revlist_free($l);
        }
    }

    /**
     * A C array of C strings for $strings, and the buffers that must stay
     * alive while the C side reads it.
     * @param string[] $strings
     * @return array{0: \FFI\CData, 1: \FFI\CData[]}
     */
    private function cStrings(array $strings): array
    {
        $f = $this->ffi;
        $arr = $f->new('const char*[' . max(1, \count($strings)) . ']');
        $keep = [];
        foreach (array_values($strings) as $i => $s) {
            if (str_contains($s, "\0")) {
                throw new UsageException('a NUL byte in a string argument', $f->AURMIG_EINVALID);
            }
            $len = \strlen($s);
            $buf = $f->new('char[' . ($len + 1) . ']');
            \FFI::memcpy($buf, $s, $len);
            $keep[] = $buf;
            $arr[$i] = $f->cast('const char*', \FFI::addr($buf[0]));
        }
        return [$arr, $keep];
    }
}
