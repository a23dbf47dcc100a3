<?php
// SPDX-License-Identifier: GPL-2.0-or-later
//
// The start-up check's latency from PHP, in-process and warm (run by
// bench/startup/run.py, which prepares the database and the Alembic
// project). Environment: BENCH_DIR (migrations), BENCH_URL, BENCH_ITER,
// BENCH_ALEMBIC (a shell command running `alembic current`, or empty),
// BENCH_ALEMBIC_ITER, BENCH_CLI (the aurmig CLI), AURMIG_TEST_BINDINGS.
declare(strict_types=1);

require_once getenv('AURMIG_TEST_BINDINGS') . '/autoload.php';

use Aurmig\Library;
use Aurmig\Migrator;

$dir = getenv('BENCH_DIR');
$url = getenv('BENCH_URL');
$iter = (int)(getenv('BENCH_ITER') ?: 2000);

/** @return array{float,float,float,float} mean, median, p95, min in microseconds */
function measure(callable $fn, int $n): array
{
    for ($i = 0; $i < max(10, intdiv($n, 20)); $i++) {
        $fn();  // warm: caches, the opcache, the database's pages
    }
    $t = [];
    for ($i = 0; $i < $n; $i++) {
        $t0 = hrtime(true);
        $fn();
        $t[] = (hrtime(true) - $t0) / 1000.0;
    }
    sort($t);
    return [array_sum($t) / $n, $t[intdiv($n, 2)], $t[(int)floor($n * 0.95)], $t[0]];
}

function report(string $what, array $r, int $n): void
{
    printf("%-62s %9.1f %9.1f %9.1f %9.1f  (n=%d)\n", $what, ...[...$r, $n]);
}

$f = Library::ffi();
$m = new Migrator($dir, url: $url);
printf("libaurmig %s via FFI (%s), PHP %s, %s, %s (%d revisions)\n", Library::version(), Library::source(),
    PHP_VERSION, $m->displayUrl(), $dir, count($m->history()));
$m->close();
printf("%-62s %9s %9s %9s %9s\n", 'per call, microseconds', 'mean', 'median', 'p95', 'min');

// raw FFI, one context kept
$ctx = $f->new('aurmig_context*');
$f->aurmig_context_new(FFI::addr($ctx));
$st = $f->new('aurmig_status*');
$state = -1;
report('aurmig_status_new (raw FFI: load dir, connect, read, free)', measure(static function () use ($f, $ctx, $st, $url, $dir, &$state) {
    if ($f->aurmig_status_new(FFI::addr($st), $ctx, $url, null, $dir) !== 0) {
        throw new RuntimeException($f->aurmig_error_last($ctx)->message);
    }
    $state = $f->aurmig_status_state($st);
    $f->aurmig_status_free($st);
}, $iter), $iter);
if ($state !== $f->AURMIG_STATE_AT_HEAD) {
    fwrite(STDERR, "warning: the database is not at head (state $state)\n");
}
$g = $f->new('aurmig_graph*');
$c = $f->new('aurmig_conn*');
$f->aurmig_graph_load(FFI::addr($g), $ctx, $dir);
$f->aurmig_conn_open(FFI::addr($c), $ctx, $url);
report('aurmig_status_from (raw FFI: kept graph + conn)', measure(static function () use ($f, $g, $c, $st) {
    if ($f->aurmig_status_from(FFI::addr($st), $c, $g) !== 0) {
        throw new RuntimeException('status_from failed');
    }
    $f->aurmig_status_free($st);
}, $iter), $iter);
$f->aurmig_conn_free($c);
$f->aurmig_graph_free($g);
$f->aurmig_context_free($ctx);

// the PHP classes
report('Aurmig\Migrator::status() (status_new + PHP objects)', measure(static function () use ($dir, $url) {
    Migrator::status($dir, url: $url);
}, $iter), $iter);
$m = new Migrator($dir, url: $url);
report('Aurmig\Migrator->check() (status_from + PHP objects)', measure(static function () use ($m) {
    $m->check();
}, $iter), $iter);
$m->close();
report('new Migrator() + check() + close() (per request, no kept objects)', measure(static function () use ($dir, $url) {
    $m = new Migrator($dir, url: $url);
    $m->check();
    $m->close();
}, $iter), $iter);

// other processes, for comparison
$run = static function (string $cmd): void {
    $p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
    stream_get_contents($pipes[1]);
    stream_get_contents($pipes[2]);
    fclose($pipes[1]);
    fclose($pipes[2]);
    if (proc_close($p) !== 0) {
        throw new RuntimeException("failed: $cmd");
    }
};
$cli = getenv('BENCH_CLI');
if ($cli) {
    $n = 50;
    report('`aurmig check` (a process, from PHP)', measure(static fn () => $run($cli), $n), $n);
}
$alembic = getenv('BENCH_ALEMBIC');
if ($alembic) {
    $n = (int)(getenv('BENCH_ALEMBIC_ITER') ?: 10);
    report('`/usr/bin/python3 -m alembic current` (a process, from PHP)', measure(static fn () => $run($alembic), $n), $n);
}
