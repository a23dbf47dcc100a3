<?php
// SPDX-License-Identifier: GPL-2.0-or-later
//
// opcache.preload script for production PHP (ffi.enable=preload):
//
//   opcache.enable=1
//   opcache.preload=/usr/local/share/php/Aurmig/preload.php
//   ffi.enable=preload
//
// and, when PHP (the PHP-FPM master) starts as root:
//
//   opcache.preload_user=www-data
//   ffi.preload=/usr/local/share/php/Aurmig/aurmig.ffi.h
//
// (PHP refuses FFI::load() during preloading with opcache.preload_user;
// ffi.preload then loads the header and this script only preloads the
// classes.)
//
// It parses aurmig.ffi.h once, at server start, registering the FFI scope
// "aurmig" (FFI_SCOPE in the header; FFI_LIB names libaurmig.so.0), and
// preloads the Aurmig\ classes, whose methods may then use FFI in every
// request (with ffi.enable=preload only preloaded code may). Requests use
// the scope through Aurmig\Library::ffi() (FFI::scope("aurmig")).
// AURMIG_FFI_HEADER, if set in the server's environment, names another
// header (e.g. one whose FFI_LIB is an absolute path).
declare(strict_types=1);

// With ffi.preload=<...>/aurmig.ffi.h the scope exists already: PHP needs
// that way when it starts as root (opcache.preload_user set), where
// FFI::load() is refused while preloading.
try {
    FFI::scope('aurmig');
} catch (FFI\Exception $e) {
    $aurmig_header = getenv('AURMIG_FFI_HEADER') ?: __DIR__ . '/aurmig.ffi.h';
    if (FFI::load($aurmig_header) === null) {
        throw new RuntimeException("aurmig preload: cannot load $aurmig_header");
    }
    unset($aurmig_header);
}
unset($e);
require_once __DIR__ . '/autoload.php';
