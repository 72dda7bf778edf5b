#!/usr/bin/env python3
"""Generate agent/shared/dl-<lib>.[ch]: the dlopen() wrappers (see agent/shared/dlopen.h).

The symbol lists are what the objects of a build actually use: every undefined
symbol of build-dir/agent/**/*.o that the library exports. Re-run after code
starts using a new function of one of these libraries:

    make B=build-gen build-gen/libnodeprep.a && scripts/gen-dlopen.py build-gen

The contract (agent/shared/dlopen.h): code that calls a library's functions
calls dlopen_NAME() first, at the top of each entry point that needs it.
"""
import glob
import os
import subprocess
import sys

# name -> (sonames, headers, extra defines before the headers)
LIBS = {
    "curl": (["libcurl.so.4"], ["curl/curl.h"], []),
    "systemd": (["libsystemd.so.0"], ["systemd/sd-bus.h", "systemd/sd-daemon.h", "systemd/sd-journal.h"], []),
    "microhttpd": (["libmicrohttpd.so.12"], ["microhttpd.h"], []),
    "nl": (["libnl-3.so.200", "libnl-route-3.so.200"],
           ["netlink/netlink.h", "netlink/route/link.h", "netlink/route/neighbour.h", "netlink/route/route.h"], []),
    "mount": (["libmount.so.1"], ["libmount.h"], []),
    "yaml": (["libyaml-0.so.2"], ["yaml.h"], []),
    "crypto": (["libcrypto.so.3"], ["openssl/opensslv.h", "openssl/evp.h", "openssl/pem.h", "openssl/x509v3.h", "openssl/bn.h"], []),
    "kmod": (["libkmod.so.2"], ["libkmod.h"], []),
    "zlib": (["libz.so.1"], ["zlib.h"], []),
}

# Functions whose callers must keep the library's own compile-time checks:
# curl's typecheck-gcc.h wraps curl_easy_setopt()/curl_easy_getinfo() in
# macros that check the argument's type against the option and then call
# the function by its own name. Renaming that name to sym_NAME would lose
# the checks (or need CURL_DISABLE_TYPECHECK), so these keep their name:
# the wrapper defines a function of that name that passes the one variadic
# argument on to sym_NAME, read as the type the library itself reads it as
# (curl's lib/setopt.c and lib/getinfo.c: by the option's type range).
# symbol -> (definition line, body lines)
FORWARD = {
    "curl_easy_setopt": ("CURLcode (curl_easy_setopt)(CURL *curl, CURLoption option, ...)", [
        "va_list ap;",
        "CURLcode r;",
        "",
        "if (!sym_curl_easy_setopt)",
        "        return CURLE_FAILED_INIT;      /* dlopen_curl() not called: a bug */",
        "va_start(ap, option);",
        "if (option < CURLOPTTYPE_OBJECTPOINT)",
        "        r = sym_curl_easy_setopt(curl, option, va_arg(ap, long));",
        "else if (option < CURLOPTTYPE_FUNCTIONPOINT)",
        "        r = sym_curl_easy_setopt(curl, option, va_arg(ap, void *));",
        "else if (option < CURLOPTTYPE_OFF_T)",
        "        r = sym_curl_easy_setopt(curl, option, va_arg(ap, void (*)(void)));",
        "else if (option < CURLOPTTYPE_BLOB)",
        "        r = sym_curl_easy_setopt(curl, option, va_arg(ap, curl_off_t));",
        "else",
        "        r = sym_curl_easy_setopt(curl, option, va_arg(ap, void *));",
        "va_end(ap);",
        "return r;",
    ]),
    "curl_easy_getinfo": ("CURLcode (curl_easy_getinfo)(CURL *curl, CURLINFO info, ...)", [
        "va_list ap;",
        "CURLcode r;",
        "",
        "if (!sym_curl_easy_getinfo)",
        "        return CURLE_FAILED_INIT;      /* dlopen_curl() not called: a bug */",
        "/* Every CURLINFO_* takes a pointer to where the answer goes. */",
        "va_start(ap, info);",
        "r = sym_curl_easy_getinfo(curl, info, va_arg(ap, void *));",
        "va_end(ap);",
        "return r;",
    ]),
}

# Functions an older release's headers lack (Debian 11): the entry and the
# rename exist only when the header has the function, and DL_HAS_<TAG> tells
# the code whether it may call it. symbol -> (TAG, condition on the headers)
GUARDED = {
    "MHD_create_response_from_buffer_with_free_callback_cls": ("MHD_FREE_CALLBACK_CLS", "MHD_VERSION >= 0x00097302"),
}

# Sonames that differ by release, chosen by the headers built against.
# soname -> (condition, the soname otherwise)
SONAME_ELSE = {
    "libcrypto.so.3": ("OPENSSL_VERSION_MAJOR >= 3", "libcrypto.so.1.1"),  # OpenSSL 1.1 on Debian 11
}


def exported(soname):
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] == soname:
            path = parts[-1]
            break
    else:
        sys.exit(f"{soname} not found")
    nm = subprocess.run(["nm", "-D", "--defined-only", path], capture_output=True, text=True, check=True).stdout
    return {l.split()[2].split("@")[0] for l in nm.splitlines() if len(l.split()) == 3}


def undefined(build):
    syms = set()
    for o in glob.glob(os.path.join(build, "agent", "**", "*.o"), recursive=True):
        nm = subprocess.run(["nm", "-u", o], capture_output=True, text=True, check=True).stdout
        # Calls already routed through a wrapper show up as sym_NAME.
        syms |= {l.split()[-1].removeprefix("sym_") for l in nm.splitlines() if l.strip()}
    return syms


def emit(name, sonames, headers, defines, per_so):
    guard = name.upper()
    all_syms = [s for so in sonames for s in per_so[so]]
    h = [f"/* SPDX-License-Identifier: MIT */",
         f"/* {', '.join(sonames)}, loaded on first use (see dlopen.h).",
         f" * Generated by scripts/gen-dlopen.py from what the code calls. */",
         "#pragma once", ""]
    h += [f"#define {d} 1" for d in defines]
    h += [f"#include <{x}>" for x in sorted(headers)]
    h += ["", '#include "dlopen.h"', ""]
    for so in sonames:
        tag = so.split(".so")[0].replace("-", "_").upper()
        if so in SONAME_ELSE:
            cond, other = SONAME_ELSE[so]
            h += [f"#if {cond}", f'#define DL_{tag}_SONAME "{so}"', "#else", f'#define DL_{tag}_SONAME "{other}"',
                  "#endif", ""]
        for s in per_so[so]:
            if s in GUARDED:
                g, cond = GUARDED[s]
                h += [f"#if {cond}", f"#define DL_HAS_{g} 1", f"#define DL_IF_{g}(X) X({s})", "#else",
                      f"#define DL_HAS_{g} 0", f"#define DL_IF_{g}(X)", "#endif", ""]
        h.append(f"#define DL_{tag}_SYMBOLS(X) \\")
        h += [f"        DL_IF_{GUARDED[s][0]}(X) \\" if s in GUARDED else f"        X({s}) \\" for s in per_so[so]]
        h.append("")
        h.append(f"DL_{tag}_SYMBOLS(DLSYM_PROTOTYPE)")
        h.append("")
    h += [f"/* Load {', '.join(sonames)} once; call it at the top of every function that",
          f" * uses it. 0, or -EOPNOTSUPP with the reason (naming the library) in",
          f" * ret_error and in the debug log. */",
          f"int dlopen_{name}(const char **ret_error);", "",
          f"#ifndef DL_{guard}_IMPL"]
    for s in all_syms:
        if s in FORWARD:
            continue    # keeps its name: the wrapper defines a forwarder
        if s in GUARDED:
            h.append(f"#if DL_HAS_{GUARDED[s][0]}")
        h.append(f"#undef {s}")
        h.append(f"#define {s} sym_{s}")
        if s in GUARDED:
            h.append("#endif")
    h += ["#endif", ""]
    forwarded = [s for s in all_syms if s in FORWARD]
    c = ["/* SPDX-License-Identifier: MIT */", f"/* Generated by scripts/gen-dlopen.py. */",
         f"#define DL_{guard}_IMPL", f'#include "dl-{name}.h"', ""]
    c += ["#include <stdarg.h>", ""] if forwarded else []
    c += ['#include "../basic/cleanup.h"', ""]
    for so in sonames:
        tag = so.split(".so")[0].replace("-", "_").upper()
        c.append(f"DL_{tag}_SYMBOLS(DLSYM_DEFINE)")
    for so in sonames:
        tag = so.split(".so")[0].replace("-", "_").upper()
        name_c = f"DL_{tag}_SONAME" if so in SONAME_ELSE else f'"{so}"'
        c.append(f"DLOPEN_SONAME_RECORD({tag.lower()}, {name_c});")
    for s in forwarded:
        head, body = FORWARD[s]
        c += ["", f"/* Callers keep {s}() and its compile-time checks (see gen-dlopen.py). */",
              head + " {"] + [("        " + l) if l else "" for l in body] + ["}"]
    c += ["", f"int dlopen_{name}(const char **ret_error) {{"]
    for i, so in enumerate(sonames):
        tag = so.split(".so")[0].replace("-", "_").upper()
        c += [f"        static void *handle{i};",
              f"        static const struct dlsym_entry syms{i}[] = {{ DL_{tag}_SYMBOLS(DLSYM_ARG) }};"]
    c.append("        int r = 0;")
    c.append("")
    for i, so in enumerate(sonames):
        c.append(f"        if (r >= 0)")
        tag = so.split(".so")[0].replace("-", "_").upper()
        name_c = f"DL_{tag}_SONAME" if so in SONAME_ELSE else f'"{so}"'
        c.append(f'                r = dlopen_symbols(&handle{i}, {name_c}, syms{i}, ELEMENTSOF(syms{i}), ret_error);')
    c += ["        return r;", "}", ""]
    base = os.path.join(os.path.dirname(__file__), "..", "agent", "shared")
    with open(os.path.join(base, f"dl-{name}.h"), "w") as f:
        f.write("\n".join(h))
    with open(os.path.join(base, f"dl-{name}.c"), "w") as f:
        f.write("\n".join(c))


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    used = undefined(build)
    for name, (sonames, headers, defines) in LIBS.items():
        per_so = {}
        taken = set()
        for so in sonames:
            syms = sorted((used & exported(so)) - taken)
            taken |= set(syms)
            per_so[so] = syms
        if not any(per_so.values()):
            print(f"dl-{name}: unused, skipped")
            continue
        emit(name, sonames, headers, defines, per_so)
        print(f"dl-{name}: {sum(len(v) for v in per_so.values())} symbols")


if __name__ == "__main__":
    main()
