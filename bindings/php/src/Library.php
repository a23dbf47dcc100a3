<?php
// SPDX-License-Identifier: GPL-2.0-or-later
declare(strict_types=1);

namespace Aurmig;

/**
 * Where the FFI binding comes from.
 *
 * In production (ffi.enable=preload), preload.php runs FFI::load() on
 * aurmig.ffi.h while opcache preloads, which registers the scope "aurmig";
 * every request then gets it with FFI::scope("aurmig"), without parsing
 * anything. From the CLI, or without preloading, the header is parsed on
 * the first use (FFI::load, or FFI::cdef when a library path is given).
 */
final class Library
{
    public const SCOPE = 'aurmig';

    private static ?\FFI $ffi = null;
    private static ?string $header = null;
    private static ?string $library = null;
    private static ?string $source = null;

    /**
     * Choose the header and the shared library before the first call
     * (defaults: $AURMIG_FFI_HEADER or the aurmig.ffi.h beside these files;
     * $AURMIG_LIBRARY or the header's FFI_LIB, libaurmig.so.0, found by the
     * dynamic loader). Giving either skips the preloaded scope.
     */
    public static function configure(?string $header = null, ?string $library = null): void
    {
        self::$header = $header;
        self::$library = $library;
        self::$ffi = null;
        self::$source = null;
    }

    /** The FFI object: the preloaded scope when there is one. */
    public static function ffi(): \FFI
    {
        if (self::$ffi !== null) {
            return self::$ffi;
        }
        if (!\extension_loaded('ffi')) {
            throw new Exception(
                "PHP's FFI extension is not loaded: install it (Debian: php8.2-cli or php8.2-fpm"
                . " has it built in) and do not disable it with extension/disable_classes settings",
                -1,
            );
        }
        $header = self::$header;
        $library = self::$library;
        if ($header === null && $library === null) {
            try {
                self::$ffi = \FFI::scope(self::SCOPE);
                self::$source = 'scope';
                return self::$ffi;
            } catch (\FFI\Exception $e) {
                // not preloaded: parse the header below
            }
        }
        $header ??= (getenv('AURMIG_FFI_HEADER') ?: self::defaultHeader());
        $library ??= (getenv('AURMIG_LIBRARY') ?: null);
        try {
            if ($library === null) {
                $ffi = \FFI::load($header);
                if ($ffi === null) {
                    throw new Exception("cannot load the FFI header $header", -1);
                }
                self::$source = 'load';
                return self::$ffi = $ffi;
            }
            $code = @file_get_contents($header);
            if ($code === false) {
                throw new Exception("cannot read the FFI header $header", -1);
            }
            self::$ffi = \FFI::cdef($code, $library);
        } catch (\FFI\Exception $e) {
            throw self::explain($e, $header, $library);
        }
        self::$source = 'cdef';
        return self::$ffi;
    }

    /**
     * An FFI failure as a message that says what to do: FFI restricted by
     * ffi.enable (PHP-FPM without preloading), or the library not found.
     */
    private static function explain(\FFI\Exception $e, string $header, ?string $library): Exception
    {
        $enable = strtolower((string) ini_get('ffi.enable'));
        if (str_contains($e->getMessage(), 'ffi.enable') || $enable === '0' || $enable === 'off' || $enable === '') {
            $preload = \dirname(__DIR__) . '/preload.php';
            return new Exception(
                "PHP's FFI is disabled here (ffi.enable=" . ($enable === '' ? '0' : $enable) . ", "
                . PHP_SAPI . "): libaurmig needs FFI. Either set ffi.enable=1, or (production, PHP-FPM)"
                . " keep ffi.enable=preload and preload the binding: opcache.enable=1,"
                . " opcache.preload=$preload (and, when the FPM master starts as root,"
                . " opcache.preload_user=www-data and ffi.preload=$header); see the aurmig bindings README",
                -1,
            );
        }
        if (str_contains($e->getMessage(), 'Failed loading')) {
            $what = $library ?? 'libaurmig.so.0 (the FFI_LIB of ' . $header . ')';
            return new Exception(
                "cannot load the library $what: " . $e->getMessage()
                . ". Install libaurmig (Debian: libaurmig0) and run ldconfig, or set AURMIG_LIBRARY"
                . " to the path of libaurmig.so.0 (or call Aurmig\\Library::configure(library: ...))",
                -1,
            );
        }
        return new Exception("cannot load the FFI binding from $header: " . $e->getMessage(), -1);
    }

    /**
     * How the binding was made: 'scope' (preloaded), 'load' (FFI::load of
     * the header) or 'cdef' (the header with an explicit library); null
     * before the first use.
     */
    public static function source(): ?string
    {
        return self::$source;
    }

    /** The library's version string, e.g. "0.1.0". */
    public static function version(): string
    {
        return self::ffi()->aurmig_version_string();
    }

    private static function defaultHeader(): string
    {
        // installed: <datadir>/aurmig/php/aurmig.ffi.h beside src/
        return \dirname(__DIR__) . '/aurmig.ffi.h';
    }
}
