/* SPDX-License-Identifier: MIT */
/*
 * The first step of a K3s join, done before nodeprep writes anything: a
 * secure token, K10<sha256 of the cluster CA>::<user>:<password>
 * (k3s pkg/clientaccess/token.go), names the server's CA. The joiner GETs
 * /cacerts without verifying (the hash is the verification) and compares;
 * K3s does it at every agent start (validateCACerts). nodeprep does it once
 * before the config is written, so a node is never set up to join a server
 * that is not the one its token names.
 */
#pragma once

#include <stdbool.h>

/* The CA hash of a secure token (64 lower-case hex), or -ENOENT for a
 * short token that names no CA. -EBADMSG for a "K10" token whose hash is
 * malformed. */
int k3s_token_ca_hash(const char *token, char ret[65]);

/* GET server/cacerts (unverified, capped) and hash it. -EHOSTUNREACH (and
 * ret_error) when it cannot be fetched. */
int k3s_server_ca_hash(const char *server, char ret[65], char **ret_error);
