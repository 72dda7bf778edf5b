#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: nodeprep authors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: nodeprep_gateway
short_description: nginx in front of OpenFaaS with TLS, rate limits and ordered timeouts
version_added: "0.1.0"
description:
  - Runs C(nodeprep gateway apply), C(verify) or C(remove) on the managed host and reports the agent's JSON result.
  - The agent writes the nginx zones (C(/etc/nginx/conf.d/nodeprep-ratelimit.conf)), the site
    (C(/etc/nginx/sites-available/nodeprep-gateway.conf) and its C(sites-enabled) link), the ACME webroot and a
    certbot deploy hook; every candidate passes C(nginx -t) before nginx is reloaded.
  - With C(tls=acme) the certificate comes from C(certbot certonly --webroot) in two phases.
  - Check mode runs C(nodeprep gateway plan); diff mode shows each file's content before and after.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  domain:
    description: The public host name nginx serves (and the certificate names).
    type: str
    required: true
  state:
    description:
      - C(present) writes the configuration (and obtains the certificate).
      - C(verified) checks files, C(nginx -t), nginx, the certificate and the timeout order; fails on drift.
      - C(absent) removes exactly the files nodeprep wrote.
    type: str
    choices: [present, verified, absent]
    default: present
  email:
    description: The ACME account address.
    type: str
  tls:
    description: C(acme), C(none) (a TLS-terminating balancer in front), or C(cert:CERT,KEY).
    type: str
    default: acme
  acme_server:
    description: An ACME directory URL other than Let's Encrypt's.
    type: str
  acme_ca_file:
    description: The CA bundle that signs C(acme_server)'s certificate.
    type: path
  upstream:
    description:
      - The OpenFaaS gateway, C(ADDR:PORT).
      - Unset, the address C(nodeprep openfaas install) recorded in C(/var/lib/nodeprep/openfaas/gateway.json), else C(127.0.0.1:8080).
    type: str
  rate:
    description: Requests per client address, C(N/s) or C(N/m).
    type: str
  burst:
    description: Requests above C(rate) served without delay before C(429).
    type: int
  max_body:
    description: Largest request body (nginx size, for example C(50m)).
    type: str
  function_timeout:
    description: The function timeout T; the gateway and nginx timeouts are derived from it.
    type: str
  allow_system:
    description: CIDRs allowed to reach C(/system/) and C(/ui/) (default loopback only).
    type: list
    elements: str
  trusted_proxy:
    description: CIDRs of load balancers whose C(X-Forwarded-For) names the client.
    type: list
    elements: str
  nodeprep_path:
    description: The nodeprep binary; default the one found on C(PATH).
    type: path
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: debian
notes:
  - Needs root (C(become=true)), and nginx and certbot from Debian.
author:
  - nodeprep maintainers (@nodeprep)
'''

EXAMPLES = r'''
- name: Publish the OpenFaaS gateway over https
  nodeprep.node.nodeprep_gateway:
    domain: fn.example.com
    email: ops@example.com
    function_timeout: 2m

- name: Fail when the gateway drifted or its certificate runs out
  nodeprep.node.nodeprep_gateway:
    domain: fn.example.com
    function_timeout: 2m
    state: verified
'''

RETURN = r'''
files:
  description: Per file, the action and the content before and after.
  returned: always
  type: list
  elements: dict
steps:
  description: What the agent did (nginx-test, nginx-reload, certbot, ...), with status and detail.
  returned: always
  type: list
  elements: dict
timeouts:
  description: The function timeout and the gateway and nginx timeouts derived from it (seconds).
  returned: always
  type: dict
result:
  description: The agent's whole JSON result.
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.nodeprep.node.plugins.module_utils.nodeprep import (
    EXIT_DRIFT, EXIT_OK, nodeprep_argv, run_nodeprep)

VALUE_OPTIONS = ('email', 'tls', 'acme_server', 'acme_ca_file', 'upstream', 'rate', 'burst', 'max_body',
                 'function_timeout')
LIST_OPTIONS = ('allow_system', 'trusted_proxy')


def gateway_args(p, command):
    args = ['gateway', command, '--domain', p['domain']]
    if command == 'remove':
        return args
    for name in VALUE_OPTIONS:
        if p[name] is not None:
            args += ['--' + name.replace('_', '-'), str(p[name])]
    for name in LIST_OPTIONS:
        for v in p[name] or []:
            args += ['--' + name.replace('_', '-'), v]
    return args


def files_diff(files):
    before, after = [], []
    for f in files or []:
        before.append('# %s\n%s' % (f.get('path'), f.get('before') or '(absent)\n'))
        after.append('# %s\n%s' % (f.get('path'), f.get('after') or '(absent)\n'))
    return dict(before_header='before', after_header='after', before=''.join(before), after=''.join(after))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            domain=dict(type='str', required=True),
            state=dict(type='str', default='present', choices=['present', 'verified', 'absent']),
            email=dict(type='str'),
            tls=dict(type='str', default='acme'),
            acme_server=dict(type='str'),
            acme_ca_file=dict(type='path'),
            upstream=dict(type='str'),
            rate=dict(type='str'),
            burst=dict(type='int'),
            max_body=dict(type='str'),
            function_timeout=dict(type='str'),
            allow_system=dict(type='list', elements='str'),
            trusted_proxy=dict(type='list', elements='str'),
            nodeprep_path=dict(type='path'),
        ),
        supports_check_mode=True,
    )
    p = module.params
    state = p['state']
    if state == 'verified':
        command, ok = 'verify', (EXIT_OK, EXIT_DRIFT)
    elif state == 'absent':
        command, ok = 'remove', (EXIT_OK,)
    else:
        command, ok = ('plan' if module.check_mode else 'apply'), (EXIT_OK,)
    if state == 'absent' and module.check_mode:
        # What remove would take: the files the state file lists (verify reads them).
        command, ok = 'verify', (EXIT_OK, EXIT_DRIFT)
    argv = nodeprep_argv(module, *gateway_args(p, command))
    rc, result, out, err = run_nodeprep(module, argv, ok_codes=ok)
    if state == 'verified' and rc == EXIT_DRIFT:
        failed = [s for s in result.get('steps', []) if s.get('status') == 'failed']
        module.fail_json(msg='drift: %s' % '; '.join('%s: %s' % (s.get('name'), s.get('detail')) for s in failed),
                         rc=rc, stdout=out, stderr=err, cmd=argv, result=result)
    if state == 'absent' and module.check_mode:
        installed = not any(s.get('name') == 'installed' and s.get('status') == 'failed'
                            for s in result.get('steps', []))
        module.exit_json(changed=installed, files=[], steps=result.get('steps', []),
                         timeouts=result.get('timeouts'), result=result, cmd=argv)
    changed = state != 'verified' and bool(result.get('changed'))
    ret = dict(changed=changed, files=result.get('files', []), steps=result.get('steps', []),
               timeouts=result.get('timeouts'), result=result, cmd=argv)
    if module._diff and state != 'verified':
        ret['diff'] = files_diff(result.get('files'))
    module.exit_json(**ret)


if __name__ == '__main__':
    main()
