"""The gateway: the one entry point through which the MATLAB toolbox reaches the engine.

:func:`handle` takes a wire-encoded request and returns wire-encoded reply bytes
(:mod:`.dispatch`). The operations it serves are adapters, one module per MATLAB front —
:mod:`.scidb` (``+scidb`` and ``+scihist``), :mod:`.scilineage`, :mod:`.scifor` — which
read MATLAB's argument forms through :mod:`.matlab_args` and call the engine; the rules
themselves live in the engine modules, never here.
"""

from .dispatch import OPERATION_MODULES, GatewayError, handle, operation, operations

__all__ = ["handle", "operation", "operations", "GatewayError", "OPERATION_MODULES"]
