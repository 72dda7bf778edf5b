# -*- coding: utf-8 -*-
# Copyright: nodeprep authors
# MIT License (see LICENSE or https://opensource.org/licenses/MIT)
"""What every nodeprep module documents the same way: the binary it runs, the
platform, and check and diff mode unless the module says otherwise. List it
before ansible.builtin.action_common_attributes: a later fragment only fills
what an earlier one left out, and that one says platform support N/A."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r'''
options:
  nodeprep_path:
    description: The nodeprep binary; default the one found on C(PATH).
    type: path
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    support: full
    platforms: debian
'''
