<?php
// SPDX-License-Identifier: GPL-2.0-or-later
//
// Tests of the Aurmig\ PHP classes against real databases. Run by
// tests/bindings/run_php.py, which makes fresh databases and sets:
//   AURMIG_TEST_GRAPH    the migrations (tests/data/graphs/branched)
//   AURMIG_TEST_GRAPH_SERVERS  the same graph with MariaDB/PostgreSQL sections
//   AURMIG_TEST_WORK     a writable scratch directory
//   AURMIG_TEST_URLS     space-separated URLs of fresh, empty server databases
//   AURMIG_TEST_MODE     cli-cdef | cli-load | preload | server
//   AURMIG_TEST_BINDINGS bindings/php (when the classes are not preloaded)
// Prints one line per test and a last line "RESULT: N passed, M failed".
declare(strict_types=1);

use Aurmig\Migrator;
use Aurmig\Library;

$mode = getenv('AURMIG_TEST_MODE') ?: 'cli-load';
if (!class_exists(Migrator::class, false)) {
    require_once getenv('AURMIG_TEST_BINDINGS') . '/autoload.php';
}

const A = '1000aaaa0001', B1 = '2000bbbb0001', B2 = '2000bbbb0002', C1 = '3000cccc0001', C2 = '3000cccc0002',
    M = '4000dddd0001', D = '5000eeee0001';

final class Failed extends \Exception {}

function check(bool $cond, string $what): void
{
    if (!$cond) {
        throw new Failed($what);
    }
}

function same($want, $got, string $what): void
{
    if ($want !== $got) {
        throw new Failed("$what: want " . var_export($want, true) . ', got ' . var_export($got, true));
    }
}

/** @return \Throwable the exception $fn throws (a failure if none, or of another class) */
function throws(string $class, callable $fn): \Throwable
{
    try {
        $fn();
    } catch (\Throwable $e) {
        check($e instanceof $class, "expected $class, got " . get_class($e) . ': ' . $e->getMessage());
        return $e;
    }
    throw new Failed("expected $class, nothing was thrown");
}

function ids(array $revs): array
{
    return array_map(static fn ($r) => $r->id, $revs);
}

$graph = getenv('AURMIG_TEST_GRAPH');
$work = getenv('AURMIG_TEST_WORK');
$n = 0;
$sqlite = static function () use ($work, &$n): string {
    $n++;
    // unique per request too: the built-in server runs every request in one process
    static $run = null;
    $run ??= getmypid() . '-' . bin2hex(random_bytes(4));
    return "sqlite:///$work/php-$run-$n.db";
};
$backends = ['sqlite' => [$sqlite, $graph]];
foreach (preg_split('/\s+/', trim((string)getenv('AURMIG_TEST_URLS')), -1, PREG_SPLIT_NO_EMPTY) as $u) {
    $name = explode(':', $u, 2)[0];
    // one database per backend: each test leaves it empty again
    $backends[$name] = [static fn () => $u, getenv('AURMIG_TEST_GRAPH_SERVERS') ?: $graph];
}

$tests = [];

$tests['ffi: enum constants reach PHP'] = static function () use ($mode) {
    $f = Library::ffi();
    same(-31, $f->AURMIG_ITEROVER, 'AURMIG_ITEROVER');
    same(-6, $f->AURMIG_ENOTFOUND, 'AURMIG_ENOTFOUND');
    same(3, $f->AURMIG_PLAN_OPTIONS_VERSION, 'AURMIG_PLAN_OPTIONS_VERSION');
    same(3, $f->AURMIG_CMD_STAMP, 'AURMIG_CMD_STAMP');
    check(preg_match('/^\d+\.\d+\.\d+$/', Library::version()) === 1, 'version string');
    same(['cli-cdef' => 'cdef', 'cli-load' => 'load', 'preload' => 'scope', 'server' => 'scope'][$mode],
        Library::source(), 'where the FFI binding came from');
    if ($mode === 'preload') {
        \FFI::scope('aurmig');  // the preloaded scope exists
    }
    if ($mode === 'server') {
        // production rule in force: code that was not preloaded may not use FFI
        throws(\FFI\Exception::class, static fn () => \FFI::cdef('int abs(int);'));
    }
};

$tests['the state names are the library\'s'] = static function () {
    $f = Library::ffi();
    $want = [
        [Aurmig\Status::AT_HEAD, $f->AURMIG_STATE_AT_HEAD], [Aurmig\Status::BEHIND, $f->AURMIG_STATE_BEHIND],
        [Aurmig\Status::UNKNOWN, $f->AURMIG_STATE_UNKNOWN], [Aurmig\Status::RECOVERY, $f->AURMIG_STATE_RECOVERY],
        [Aurmig\Status::DRIFT, $f->AURMIG_STATE_DRIFT], [Aurmig\Status::IN_PROGRESS, $f->AURMIG_STATE_IN_PROGRESS],
    ];
    foreach ($want as [$name, $code]) {
        same($name, $f->aurmig_state_name($code), "state $code");
    }
    same(null, $f->aurmig_state_name(count($want)), 'no state after the last');
    $cwant = [Aurmig\ConfigStatus::IN_SYNC, Aurmig\ConfigStatus::BEHIND, Aurmig\ConfigStatus::EDITED,
        Aurmig\ConfigStatus::PENDING, Aurmig\ConfigStatus::MISSING];
    foreach ($cwant as $code => $name) {
        same($name, $f->aurmig_config_state_name($code), "config state $code");
    }
    same(Aurmig\Step::UPGRADE, $f->aurmig_step_kind_name($f->AURMIG_STEP_UPGRADE), 'upgrade');
    same(Aurmig\Step::DOWNGRADE, $f->aurmig_step_kind_name($f->AURMIG_STEP_DOWNGRADE), 'downgrade');
    same(Aurmig\Step::STAMP, $f->aurmig_step_kind_name($f->AURMIG_STEP_STAMP), 'stamp');
};

$tests['the exception classes come from the library\'s table'] = static function () {
    $f = Library::ffi();
    // the code-to-class map the binding kept before it took the library's
    // families (issue 18 point 4): the behaviour must stay this
    $want = [
        'ENOMEM' => Aurmig\OutOfMemoryException::class, 'EINVALID' => Aurmig\UsageException::class,
        'EBUFS' => Aurmig\UsageException::class, 'EUNSUPPORTED' => Aurmig\UsageException::class,
        'EPARSE' => Aurmig\ScriptException::class, 'EGRAPH' => Aurmig\GraphException::class,
        'EIO' => Aurmig\FileException::class, 'ENOTFOUND' => Aurmig\NotFoundException::class,
        'EAMBIGUOUS' => Aurmig\AmbiguousException::class, 'EDB' => Aurmig\DatabaseException::class,
        'ECONFLICT' => Aurmig\DatabaseException::class, 'ELOCKED' => Aurmig\LockTimeoutException::class,
        'EUNKNOWNREV' => Aurmig\UnknownRevisionException::class,
        'ERECOVERY' => Aurmig\RecoveryNeededException::class, 'EDRIFT' => Aurmig\DriftException::class,
        'EINPROGRESS' => Aurmig\InProgressException::class, 'EIRREVERSIBLE' => Aurmig\IrreversibleException::class,
        'EASSERT' => Aurmig\PreconditionException::class, 'EUSER' => Aurmig\AbortedException::class,
    ];
    $seen = [];
    for ($i = 0; $i < $f->aurmig_error_count(); $i++) {
        $code = $f->aurmig_error_at($i);
        $name = $f->aurmig_error_name($code);
        $seen[] = $name;
        same($code, $f->{'AURMIG_' . $name}, "the header's AURMIG_$name");
        same($code, $f->aurmig_error_from_name($name), "$name round-trips");
        same($want[$name] ?? Aurmig\Exception::class, Aurmig\Exception::classFor($f, $code), "class of $name");
        $e = Aurmig\Exception::fromContext($f, null, $code);
        same($name, $e->getErrorName(), "getErrorName() of $name");
        same($f->aurmig_error_str($code), $e->getMessage(), "message of $name");
    }
    same(1, $f->aurmig_error_at($f->aurmig_error_count()), 'past the end');
    same([], array_diff(array_keys($want), $seen), 'every mapped code is in the table');
    same(Aurmig\Exception::class, Aurmig\Exception::classFor($f, -21), 'no code: the base class');
};

$tests['ffi: the public structs are usable'] = static function () use ($mode) {
    if ($mode === 'server') {
        // this test file is not preloaded, so with ffi.enable=preload it may
        // not call FFI's static methods (FFI::addr); the other modes run it
        return;
    }
    $f = Library::ffi();
    $o = $f->new('aurmig_plan_options');
    same(0, $f->aurmig_plan_options_init(\FFI::addr($o), $f->AURMIG_PLAN_OPTIONS_VERSION), 'options_init');
    same(60000, $o->lock_timeout_ms, 'default lock timeout');
    same(3, $o->version, 'version field');
    same(0, $o->online, 'default online');
    same(1000, $o->warn_blocking_ms, 'default blocking-statement warning');
    same(10000, $o->ddl_lock_wait_ms, 'default DDL lock wait');
    same(3, $o->lock_retries, 'default lock retries');
    same(-3, $f->aurmig_plan_options_init(\FFI::addr($o), 0), 'version 0 refused');
    $ctx = $f->new('aurmig_context*');
    same(0, $f->aurmig_context_new(\FFI::addr($ctx)), 'context_new');
    $g = $f->new('aurmig_graph*');
    same($f->AURMIG_EIO, $f->aurmig_graph_load(\FFI::addr($g), $ctx, '/nonexistent/dir'), 'graph_load');
    $e = $f->aurmig_error_last($ctx);
    same($f->AURMIG_EIO, $e->code, 'aurmig_error.code');
    same($f->AURMIG_ERRCLASS_OS, $e->klass, 'aurmig_error.klass');
    check(str_contains($e->message, '/nonexistent/dir'), 'aurmig_error.message');
    same(null, $e->statement, 'aurmig_error.statement');
    $f->aurmig_context_free($ctx);
};

$tests['sqlite: the one-call status is bounded behind a lock'] = static function () use ($sqlite, $graph) {
    $url = $sqlite();
    $path = substr($url, strlen('sqlite:///'));
    // another process holds the database's exclusive lock (PHP here has no SQLite extension)
    $holder = proc_open(['/usr/bin/python3', '-c', 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("CREATE TABLE held (x INTEGER)")
c.execute("BEGIN EXCLUSIVE")
print("ready", flush=True)
time.sleep(20)', $path], [1 => ['pipe', 'w']], $pipes);
    check(is_resource($holder), 'lock holder started');
    try {
        same("ready\n", fgets($pipes[1]), 'lock held');
        $t0 = microtime(true);
        $e = throws(Aurmig\LockTimeoutException::class, static fn () => Migrator::status($graph, url: $url, timeout: 1.0));
        check(microtime(true) - $t0 < 4.0, 'status returned within its timeout');
        check(str_contains($e->getMessage(), 'timed out'), 'timed out waiting for the database');
    } finally {
        proc_terminate($holder);
        proc_close($holder);
    }
    same('behind', Migrator::status($graph, url: $url, timeout: 2.0)->state, 'status once the lock is gone');
};

foreach ($backends as $backend => [$mkurl, $graph]) {
    $tests["$backend: status, plan, upgrade, current, history, downgrade"] = static function () use ($graph, $mkurl) {
        $url = $mkurl();
        if (str_starts_with($url, 'sqlite:///')) {
            // the read-only check never creates the file: a missing one is an error
            $e = throws(Aurmig\NotFoundException::class, static fn () => Migrator::status($graph, url: $url));
            check(str_contains($e->getMessage(), 'no such database file: '), 'names the missing file');
            check(!file_exists(substr($url, 10)), 'the check created no file');
            touch(substr($url, 10));
        }
        $st = Migrator::status($graph, url: $url);
        same('behind', $st->state, 'state of an empty database');
        same([A, B1, B2, C1, C2, M, D], $st->pending, 'pending');
        same([D], $st->heads, 'heads');
        same([], $st->current, 'current');
        $m = new Migrator($graph, url: $url);
        try {
            same(false, $m->check()->isAtHead(), 'check');
            same([D], ids($m->heads()), 'heads()');
            same([], $m->current(), 'current() empty');
            $plan = $m->plan('upgrade', C1);
            same(2, count($plan), 'steps to C1');
            same([], $plan->before(), 'before');
            same([C1], $plan->after(), 'after');
            same([A, C1], array_map(static fn ($s) => $s->revision, $plan->steps()), 'planned');
            $seen = [];
            foreach ($plan as $step) {
                $seen[] = [$step->kind, $step->revision, $step->from, $step->to];
                check($step->statements === 2 && $step->seconds >= 0, 'step ran its 2 statements');
            }
            same([['upgrade', A, [], [A]], ['upgrade', C1, [A], [C1]]], $seen, 'steps applied');
            $plan->close();
            same([C1], $m->currentRows(), 'rows');
            same([C1], ids($m->current()), 'current()');
            $calls = [];
            $done = $m->upgrade('heads', static function ($s) use (&$calls) { $calls[] = $s->revision; });
            same([B1, B2, C2, M, D], array_map(static fn ($s) => $s->revision, $done), 'upgrade heads');
            same([B1, B2, C2, M, D], $calls, 'callback per step');
            same([], $m->upgrade(), 'nothing to do at head');
            same(true, $m->check()->isAtHead(), 'at head');
            same('at_head', Migrator::status($graph, url: $url)->state, 'one-call status at head');
            same([D, M, C2, C1, B2, B1, A], ids($m->history()), 'history');
            same([B2, B1], ids($m->history(B1 . ':' . B2)), 'history range');
            same([D], ids($m->history('current:')), 'history current:');
            $r = $m->revision('4000');
            same([B2, C2], $r->parents, 'merge parents');
            check($r->isMergePoint && !$r->isHead, 'merge point');
            same([D], ids($m->current()), 'current at head');
            $down = $m->downgrade('base');
            same(7, count($down), 'downgrade base');
            same('downgrade', $down[0]->kind, 'downgrade kind');
            same([], $m->currentRows(), 'empty after downgrade base');
            check(count($m->stamp([B2, C2])) >= 1, 'stamp steps');
            $rows = $m->currentRows();
            sort($rows);
            same([B2, C2], $rows, 'stamped rows');
            $m->stamp('base');
            same([], $m->currentRows(), 'stamp base');
            check(!str_contains($m->displayUrl(), 'aurmig-secret'), 'password masked');
        } finally {
            $m->close();
        }
    };

    $tests["$backend: errors carry the library's code and message"] = static function () use ($graph, $mkurl, $work) {
        $f = Library::ffi();
        $url = $mkurl();
        $m = new Migrator($graph, url: $url);
        try {
            $e = throws(Aurmig\NotFoundException::class, static fn () => $m->upgrade('zzzz'));
            same($f->AURMIG_ENOTFOUND, $e->getCode(), 'ENOTFOUND');
            check(str_contains($e->getMessage(), "'zzzz'"), 'message names the target');
            check($e instanceof Aurmig\TargetException && $e instanceof Aurmig\Exception, 'family');
            $e = throws(Aurmig\AmbiguousException::class, static fn () => $m->upgrade('2000'));
            same($f->AURMIG_EAMBIGUOUS, $e->getCode(), 'EAMBIGUOUS');
            check(str_contains($e->getMessage(), B1) && str_contains($e->getMessage(), B2), 'candidates listed');
            throws(Aurmig\UsageException::class, static fn () => $m->plan('sideways', 'heads'));
        } finally {
            $m->close();
        }
        $e = throws(Aurmig\FileException::class, static fn () => new Migrator("$work/no-such-dir", url: $url));
        same($f->AURMIG_EIO, $e->getCode(), 'EIO');
        $e = throws(Aurmig\UsageException::class, static fn () => new Migrator($graph, url: 'nosuch://x'));
        check($e->getCode() === $f->AURMIG_EINVALID || $e->getCode() === $f->AURMIG_EUNSUPPORTED, 'bad URL');
        // a malformed script: file and line in the exception
        $bad = "$work/bad-graph-" . getmypid();
        @mkdir($bad);
        file_put_contents("$bad/aaaa00000001_x.sql", "-- aurmig:revision aaaa00000001\n-- aurmig:bogus 1\n");
        $e = throws(Aurmig\ScriptException::class, static fn () => Migrator::status($bad, url: $url));
        same($f->AURMIG_EPARSE, $e->getCode(), 'EPARSE');
        same("$bad/aaaa00000001_x.sql", $e->getScriptFile(), 'script file');
        same(2, $e->getScriptLine(), 'script line');
        unlink("$bad/aaaa00000001_x.sql");
        rmdir($bad);
    };

    $tests["$backend: a failed precondition is its own exception"] = static function () use ($mkurl, $work) {
        $f = Library::ffi();
        $url = $mkurl();
        $dir = "$work/asserts-graph-" . getmypid() . '-' . bin2hex(random_bytes(3));
        mkdir($dir);
        file_put_contents("$dir/7000aaaa0001_t_a.sql", "-- aurmig:revision 7000aaaa0001\n\n-- aurmig:upgrade\n"
            . "CREATE TABLE t_a (id INTEGER PRIMARY KEY, v INTEGER);\n"
            . "INSERT INTO t_a (id, v) VALUES (1, 5);\nINSERT INTO t_a (id, v) VALUES (2, 5);\n\n"
            . "-- aurmig:downgrade\nDROP TABLE t_a;\n");
        file_put_contents("$dir/7000aaaa0002_t_b.sql", "-- aurmig:revision 7000aaaa0002\n"
            . "-- aurmig:down_revision 7000aaaa0001\n\n-- aurmig:upgrade\n"
            . "-- aurmig:assert SELECT COUNT(*) = 0, 'duplicate v' FROM (SELECT v FROM t_a GROUP BY v HAVING COUNT(*) > 1) d\n"
            . "CREATE TABLE t_b (id INTEGER PRIMARY KEY);\n\n-- aurmig:downgrade\nDROP TABLE t_b;\n");
        $m = new Migrator($dir, url: $url);
        try {
            $e = throws(Aurmig\PreconditionException::class, static fn () => $m->upgrade());
            same($f->AURMIG_EASSERT, $e->getCode(), 'EASSERT');
            check($e instanceof Aurmig\StateException && $e instanceof Aurmig\Exception, 'family');
            same("$dir/7000aaaa0002_t_b.sql", $e->getScriptFile(), 'the script');
            same(5, $e->getScriptLine(), 'the assert line');
            same(['7000aaaa0001'], $m->currentRows(), 'nothing of the refused step ran');
            $m->downgrade('base');
        } finally {
            $m->close();
            foreach (glob("$dir/*.sql") as $s) {
                unlink($s);
            }
            rmdir($dir);
        }
    };

    $tests["$backend: unknown revision in the database, deploy lock"] = static function () use ($graph, $mkurl, $work) {
        $f = Library::ffi();
        $url = $mkurl();
        // a newer release's migrations: the branched graph plus one more
        $newer = "$work/newer-graph-" . getmypid();
        @mkdir($newer);
        foreach (glob("$graph/*.sql") as $s) {
            copy($s, "$newer/" . basename($s));
        }
        file_put_contents("$newer/6000ffff0001_t_n.sql", "-- aurmig:revision 6000ffff0001\n"
            . "-- aurmig:down_revision 5000eeee0001\n-- aurmig:message Newer\n\n-- aurmig:upgrade\n"
            . "CREATE TABLE t_n (id INTEGER PRIMARY KEY);\n\n-- aurmig:downgrade\nDROP TABLE t_n;\n");
        $new = new Migrator($newer, url: $url);
        $old = new Migrator($graph, url: $url, lockTimeoutMs: 0);
        try {
            same(8, count($new->upgrade()), 'newer release upgrades');
            $st = $old->check();
            same('unknown_revision', $st->state, 'old code sees an unknown revision');
            $e = throws(Aurmig\UnknownRevisionException::class, static fn () => $old->upgrade());
            same($f->AURMIG_EUNKNOWNREV, $e->getCode(), 'EUNKNOWNREV');
            check($e instanceof Aurmig\StateException, 'family');
            // the deploy lock: a plan holds it, a second deployer times out
            $plan = $new->plan('downgrade', D);
            $e = throws(Aurmig\LockTimeoutException::class, static fn () => $old->plan('stamp', D, purge: true));
            same($f->AURMIG_ELOCKED, $e->getCode(), 'ELOCKED');
            same(1, count($plan->run()), 'downgrade one');
            $plan->close();
            same('at_head', $old->check()->state, 'old code at head again');
            $new->downgrade('base');
        } finally {
            $old->close();
            $new->close();
            foreach (glob("$newer/*.sql") as $s) {
                unlink($s);
            }
            rmdir($newer);
        }
    };
}

$graph = getenv('AURMIG_TEST_GRAPH');
$tests['objects freed in any order never crash'] = static function () use ($graph, $sqlite) {
    $url = $sqlite();
    // the Migrator goes first, its plan lives on (the plan keeps it alive)
    $m = new Migrator($graph, url: $url);
    $p = $m->plan('upgrade', A);
    unset($m);
    same(1, count($p->run()), 'plan outlives the dropped Migrator');
    unset($p);
    // closing the Migrator closes its plan; the plan then refuses, cleanly
    $m = new Migrator($graph, url: $url);
    $p = $m->plan('upgrade', 'heads');
    $it = $m->plan('stamp', A, purge: false);
    $m->close();
    check($p->isClosed() && $it->isClosed(), 'plans closed with the Migrator');
    throws(Aurmig\UsageException::class, static fn () => $p->run());
    throws(Aurmig\UsageException::class, static fn () => count($it));
    throws(Aurmig\UsageException::class, static fn () => $m->check());
    $m->close();
    $p->close();
    // a plan abandoned half-way through its iteration
    $m = new Migrator($graph, url: $url);
    $p = $m->plan('upgrade', 'heads');
    foreach ($p as $step) {
        break;
    }
    unset($m, $step);
    $p = null;
    // random orders, many times
    mt_srand(6);
    for ($i = 0; $i < 40; $i++) {
        $m = new Migrator($graph, url: $url);
        $objs = ['m' => $m, 'p' => $m->plan($i % 2 ? 'upgrade' : 'downgrade', $i % 2 ? 'heads' : 'base'),
            'revs' => $m->history(), 'st' => $m->check()];
        unset($m);
        $keys = array_keys($objs);
        shuffle($keys);
        foreach ($keys as $k) {
            if (mt_rand(0, 1) && is_object($objs[$k]) && method_exists($objs[$k], 'close')) {
                $objs[$k]->close();
            }
            unset($objs[$k]);
        }
    }
    // left for the end of the script: a Migrator and a plan in a cycle,
    // destroyed by PHP's shutdown in whatever order it picks
    $m = new Migrator($graph, url: $url);
    $cycle = new \stdClass();
    $cycle->self = $cycle;
    $cycle->objects = [$m->plan('upgrade', 'heads'), $m];
    $GLOBALS['aurmig_left_over'] = $cycle;
};

$tests['config file: steps, check, stamp'] = static function () use ($work, $sqlite) {
    $dir = "$work/cfg-" . bin2hex(random_bytes(4));
    mkdir("$dir/m", 0755, true);
    mkdir("$dir/etc");
    file_put_contents("$dir/m/aaaa_sso.sql",
        "-- aurmig:revision aaaa\n-- aurmig:upgrade\nCREATE TABLE t (x INTEGER);\n"
        . "-- aurmig:config add-section sso\n-- aurmig:config set if-unset sso openid = https://example.org\n"
        . "-- aurmig:config set if-equal=none options cache = redis\n"
        . "-- aurmig:downgrade\nDROP TABLE t;\n-- aurmig:config set options cache = none\n"
        . "-- aurmig:config remove sso openid\n-- aurmig:config remove-section if-empty sso\n");
    $conf = "$dir/etc/config";
    file_put_contents($conf, "[options]\ncache = none\n");
    $url = $sqlite();
    $m = new Migrator("$dir/m", url: $url);
    $e = throws(Aurmig\UsageException::class, static fn () => $m->upgrade());
    check(str_contains($e->getMessage(), 'changes the configuration file'), $e->getMessage());
    throws(Aurmig\UsageException::class, static fn () => $m->configCheck());
    same([], $m->currentRows(), 'nothing ran');
    $m->close();
    $m = new Migrator("$dir/m", url: $url, configFile: $conf);
    same(['aaaa'], array_map(static fn ($s) => $s->revision, $m->upgrade()), 'upgrade');
    $upgraded = "[options]\ncache = redis\n\n[sso]\nopenid = https://example.org\n\n[aurmig]\nrevision = aaaa\n";
    same($upgraded, file_get_contents($conf), 'the file after upgrade');
    $st = $m->configCheck();
    same([Aurmig\ConfigStatus::IN_SYNC, true, ''], [$st->state, $st->isInSync(), $st->message], 'in sync');
    file_put_contents($conf, "extra = 1\n", FILE_APPEND);
    $st = $m->configCheck();
    same(Library::ffi()->AURMIG_CONFIG_EDITED, $st->code, 'edited: code');
    same(Aurmig\ConfigStatus::EDITED, $st->state, 'edited');
    check(str_contains($st->message, 'config-stamp'), $st->message);
    $m->configStamp();
    check($m->configCheck()->isInSync(), 'in sync after configStamp');
    same(Aurmig\ConfigStatus::MISSING, $m->configCheck("$dir/etc/other")->state, 'another file, per call');
    $m->downgrade('base');
    same("[options]\ncache = none\n\n[aurmig]\nrevision =\nextra = 1\n", file_get_contents($conf), 'after downgrade');
    // per plan, a file name built at run time (the library copies it)
    $p = $m->plan('upgrade', 'heads', configFile: implode('/', [$dir, 'etc', 'config']));
    gc_collect_cycles();
    same(1, count($p->run()), 'upgrade through a plan');
    $p->close();
    check(str_contains(file_get_contents($conf), 'cache = redis'), 'config steps ran');
    check($m->configCheck()->isInSync(), 'in sync after the plan');
    $m->close();
};

$tests['hooks: a PHP callable where a migration says -- aurmig:hook'] = static function () use ($work, $sqlite) {
    $dir = "$work/hook-" . bin2hex(random_bytes(4));
    mkdir("$dir/m", 0755, true);
    file_put_contents("$dir/m/aaaa_h.sql", "-- aurmig:revision aaaa\n-- aurmig:upgrade\nCREATE TABLE t (x INTEGER);\n"
        . "-- aurmig:hook fill\n-- aurmig:downgrade\n-- aurmig:hook fill\nDROP TABLE t;\n");
    // bbbb upgrades only when the hook put 42 into t
    file_put_contents("$dir/m/bbbb_c.sql", "-- aurmig:revision bbbb\n-- aurmig:down_revision aaaa\n-- aurmig:upgrade\n"
        . "CREATE TABLE chk (x INTEGER CHECK (x = 42));\nINSERT INTO chk SELECT COALESCE((SELECT MAX(x) FROM t), 0);\n"
        . "-- aurmig:downgrade\nDROP TABLE chk;\n");
    $m = new Migrator("$dir/m", url: $sqlite());
    $e = throws(Aurmig\Exception::class, static fn () => $m->upgrade());
    check(str_contains($e->getMessage(), "needs the hook 'fill'"), $e->getMessage());
    same([], $m->currentRows(), 'nothing ran without the hook');
    $calls = [];
    $m->hook('fill', static function (Migrator $mm, string $name, string $rev, string $direction) use (&$calls): void {
        $calls[] = [$name, $rev, $direction];
        if ($direction === 'upgrade') {
            $mm->execute('INSERT INTO t (x) VALUES (42)');
        } else {
            throw new \RuntimeException('refusing to undo');
        }
    });
    same(['aaaa', 'bbbb'], array_map(static fn ($s) => $s->revision, $m->upgrade()), 'upgrade through the hook');
    same([['fill', 'aaaa', 'upgrade']], $calls, 'the hook ran once');
    // the hook's own exception comes back out; the failed step is rolled back
    $e = throws(\RuntimeException::class, static fn () => $m->downgrade('base'));
    same('refusing to undo', $e->getMessage(), 'the hook\'s exception');
    same(['aaaa'], $m->currentRows(), 'bbbb went down, aaaa stayed');
    $m->hook('fill', null);
    throws(Aurmig\Exception::class, static fn () => $m->downgrade('base'));
    $m->hook('fill', static function (): void {}, ownConnection: true);
    $m->downgrade('base');
    same([], $m->currentRows(), 'down to base');
    $m->close();
    throws(Aurmig\UsageException::class, static fn () => $m->hook('fill', null));
};

$tests['first deploy: init(), and upgrade() on an empty database builds the declared schema'] =
    static function () use ($work, $sqlite) {
    $dir = "$work/init-" . bin2hex(random_bytes(4));
    mkdir("$dir/schema", 0755, true);
    file_put_contents("$dir/aaaa_a.sql", "-- aurmig:revision aaaa\n-- aurmig:upgrade\nCREATE TABLE a (x INTEGER);\n"
        . "-- aurmig:downgrade\nDROP TABLE a;\n");
    file_put_contents("$dir/bbbb_b.sql", "-- aurmig:revision bbbb\n-- aurmig:down_revision aaaa\n"
        . "-- aurmig:upgrade\nCREATE TABLE b (x INTEGER);\n-- aurmig:downgrade\nDROP TABLE b;\n");
    file_put_contents("$dir/schema/sqlite.sql",
        "-- aurmig:schema-revision bbbb\nCREATE TABLE a (x INTEGER);\nCREATE TABLE b (x INTEGER);\n");
    $m = new Migrator($dir, url: $sqlite());
    same(['bbbb'], $m->init(), 'init stamps the schema\'s revision');
    throws(Aurmig\UsageException::class, static fn () => $m->init());
    $m->close();
    $m = new Migrator($dir, url: $sqlite());
    $plan = $m->plan('upgrade', 'heads');
    same("$dir/schema/sqlite.sql", $plan->initSchema(), 'the plan builds from the declared schema');
    same([], iterator_to_array($plan), 'no step after the schema\'s revision');
    $plan->close();
    same(['bbbb'], $m->currentRows(), 'built at head');
    $plan = $m->plan('upgrade', 'heads');
    same(null, $plan->initSchema(), 'not on a database at head');
    $plan->close();
    $m->close();
};

foreach (array_intersect_key($backends, ['sqlite' => 1, 'mysql' => 1]) as $backend => [$mkurl, $graph]) {
    $tests["$backend: lockInfo(), lockBreak() against another process's lock"] =
        static function () use ($backend, $mkurl, $graph) {
        $url = $mkurl();
        $m = new Migrator($graph, url: $url);
        try {
            $m->upgrade(B1);
            same(null, $m->replica(), 'a primary is no replica');
            $kind = $backend === 'sqlite' ? 'flock' : 'get_lock';
            $free = $m->lockInfo();
            same(['kind' => $kind, 'held' => false, 'expired' => false, 'mine' => false, 'holder' => null],
                array_diff_key($free, ['name' => 1]), 'a free lock');
            same(null, $m->lockBreak()['holder'], 'nothing held: nothing broken');
            // the holder: another process, taking the very lock the deployer takes
            if ($backend === 'sqlite') {
                $cmd = ['/usr/bin/python3', '-c', 'import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
print("ready", flush=True)
time.sleep(20)', $free['name']];
            } else {
                $u = parse_url($url);
                $db = ltrim($u['path'], '/');
                $cmd = ['mariadb', '--no-defaults', '-n', '--batch', '--skip-column-names', '--protocol=TCP',
                    '-h', $u['host'], '-P', (string)$u['port'], '-u', urldecode($u['user']),
                    '-p' . urldecode($u['pass'] ?? ''), $db, '-e',
                    "SELECT GET_LOCK('{$free['name']}@$db', 0); SELECT 'ready'; DO SLEEP(20)"];
            }
            $holder = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
            check(is_resource($holder), 'lock holder started');
            try {
                do {
                    $line = fgets($pipes[1]);
                } while ($line !== false && trim($line) !== 'ready');
                same('ready', trim((string)$line), 'the holder holds the lock');
                $li = $m->lockInfo();
                same([true, false, $kind], [$li['held'], $li['mine'], $li['kind']], 'held by another process');
                if ($backend === 'sqlite') {
                    same(proc_get_status($holder)['pid'], $li['holder']['pid'], 'the holder\'s pid');
                } else {
                    check(is_int($li['holder']['connection']) && $li['holder']['connection'] > 0, 'its connection');
                }
                $e = throws(Aurmig\InProgressException::class, static fn () => $m->lockBreak());
                same(Library::ffi()->AURMIG_EINPROGRESS, $e->getCode(), 'refused: its run is alive');
                same(true, $m->lockInfo()['held'], 'still held');
                if ($backend === 'sqlite') {
                    $e = throws(Aurmig\UsageException::class, static fn () => $m->lockBreak(true));
                    same(Library::ffi()->AURMIG_EUNSUPPORTED, $e->getCode(), 'an flock cannot be broken');
                } else {
                    $prev = $m->lockBreak(true);
                    same([true, $li['holder']['connection']], [$prev['held'], $prev['holder']['connection']],
                        'the previous holder');
                    same(false, $m->lockInfo()['held'], 'broken: the holding session was ended');
                }
            } finally {
                proc_terminate($holder);
                proc_close($holder);
            }
            same(null, $m->lockInfo()['holder'], 'free once the holder is gone');
            $plan = $m->plan('upgrade', 'heads');
            $mine = $m->lockInfo();
            same([true, true], [$mine['held'], $mine['mine']], 'this Migrator\'s own lock');
            throws(Aurmig\UsageException::class, static fn () => $m->lockBreak(true));
            $plan->close();
            $m->downgrade('base');
        } finally {
            $m->close();
        }
    };
}

$passed = $failed = 0;
foreach ($tests as $name => $fn) {
    try {
        $fn();
        $passed++;
        echo "ok    $name\n";
    } catch (\Throwable $e) {
        $failed++;
        echo "FAIL  $name\n      " . get_class($e) . ': ' . $e->getMessage() . "\n      at "
            . $e->getFile() . ':' . $e->getLine() . "\n";
    }
}
echo "RESULT: $passed passed, $failed failed\n";
if (PHP_SAPI === 'cli') {
    exit($failed ? 1 : 0);
}
