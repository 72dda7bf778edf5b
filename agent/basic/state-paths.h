/* SPDX-License-Identifier: MIT */
/*
 * State files one domain writes and another reads: the file is the contract
 * between them (so neither includes the other's header). The OpenFaaS domain
 * records where its gateway listens; the gateway domain proxies to it.
 */
#pragma once

#define OPENFAAS_STATE_DIR "/var/lib/nodeprep/openfaas"
#define OPENFAAS_PASSWORD_FILE OPENFAAS_STATE_DIR "/basic-auth-password"
#define OPENFAAS_GATEWAY_FILE OPENFAAS_STATE_DIR "/gateway.json"
