<?php
// SPDX-License-Identifier: GPL-2.0-or-later
// Router for PHP's built-in web server (tests/bindings/run_php.py --mode
// server): runs the test suite in one request, as production PHP would.
declare(strict_types=1);

header('Content-Type: text/plain');
require __DIR__ . '/tests.php';
