<?php
// SPDX-License-Identifier: GPL-2.0-or-later
// Loads the Aurmig\ classes (require it, or let opcache preload them with
// preload.php). The order matters for preloading: parents first.
declare(strict_types=1);

require_once __DIR__ . '/src/Library.php';
require_once __DIR__ . '/src/Exception.php';
require_once __DIR__ . '/src/Revision.php';
require_once __DIR__ . '/src/Step.php';
require_once __DIR__ . '/src/Status.php';
require_once __DIR__ . '/src/ConfigStatus.php';
require_once __DIR__ . '/src/Plan.php';
require_once __DIR__ . '/src/Migrator.php';
