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
        self::$source = 'cdef';
        return self::$ffi;
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
