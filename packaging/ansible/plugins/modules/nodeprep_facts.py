#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: nodeprep authors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: nodeprep_facts
short_description: The nodeprep node checks and K3s status as facts
version_added: "0.1.0"
description:
  - Runs C(nodeprep check) (virtualisation, KVM, NVMe, disks, K3s prerequisites, limits) and C(nodeprep k3s status)
    and returns them as facts. Failed checks are facts, not a task failure; use them in C(assert) or C(when).
  - Changes nothing.
options:
  groups:
    description: The check groups (default all of them).
    type: list
    elements: str
    choices: [virt, kvm, nvme, disk, k3s-prereq, limits]
  role:
    description: The role the CPU and memory minimums are judged for.
    type: str
    choices: [server, agent]
    default: server
  k3s:
    description: Also gather C(nodeprep k3s status).
    type: bool
    default: true
extends_documentation_fragment:
  - nodeprep.node.nodeprep
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.facts
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  facts:
    support: full
author:
  - nodeprep maintainers (@nodeprep)
'''

EXAMPLES = r'''
- name: Gather the node checks
  nodeprep.node.nodeprep_facts:
    groups: [k3s-prereq, disk]

- name: Stop on a failed check
  ansible.builtin.assert:
    that: ansible_facts.nodeprep_checks_failed == 0
    fail_msg: "{{ ansible_facts.nodeprep_checks | selectattr('status', 'eq', 'fail') | list }}"
'''

RETURN = r'''
ansible_facts:
  description: The facts.
  returned: always
  type: complex
  contains:
    nodeprep_checks:
      description: One item per check (group, name, status ok|warn|fail|n/a|unknown, reason, evidence).
      type: list
      elements: dict
    nodeprep_checks_failed:
      description: How many checks failed.
      type: int
    nodeprep_k3s:
      description: The K3s status (version, role, ready, steps); empty when K3s is not installed.
      type: dict
    nodeprep_version:
      description: The agent's version.
      type: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.nodeprep.node.plugins.module_utils.nodeprep import (
    EXIT_DRIFT, EXIT_OK, nodeprep_argument_spec, nodeprep_argv, run_nodeprep)


def main():
    module = AnsibleModule(
        argument_spec=nodeprep_argument_spec(
            groups=dict(type='list', elements='str',
                        choices=['virt', 'kvm', 'nvme', 'disk', 'k3s-prereq', 'limits']),
            role=dict(type='str', default='server', choices=['server', 'agent']),
            k3s=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    rc, version, out, err = run_nodeprep(module, nodeprep_argv(module, 'version'))
    argv = nodeprep_argv(module, 'check', '--role', p['role'], *(p['groups'] or []))
    rc, checks, out, err = run_nodeprep(module, argv, ok_codes=(EXIT_OK, EXIT_DRIFT))
    facts = dict(nodeprep_version=version.get('version'), nodeprep_checks=checks.get('checks', []),
                 nodeprep_checks_failed=int(checks.get('failed', 0)), nodeprep_k3s={})
    if p['k3s']:
        rc, st, out, err = run_nodeprep(module, nodeprep_argv(module, 'k3s', 'status'), ok_codes=(EXIT_OK, EXIT_DRIFT))
        if st.get('version'):
            facts['nodeprep_k3s'] = dict(version=st.get('version'), role=st.get('role'), ready=bool(st.get('ready')),
                                         steps=st.get('steps', []))
    module.exit_json(changed=False, ansible_facts=facts)


if __name__ == '__main__':
    main()
