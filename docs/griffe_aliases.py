"""A Griffe extension: module-level aliases get their target's signature and docstring.

egress exports names bound by assignment, `dumps = registry.dumps` (a method of the
default registry) and `HTML = HTMLResponse` (a second name for a class). Read statically
they are bare attributes, so the reference showed "module-attribute" and nothing else.
This extension turns each such attribute into an alias of what it names: the class, or
the method of the class whose instance the module creates (`registry = EncoderRegistry()`),
so the reference renders its signature and docstring under the exported name.
"""

from __future__ import annotations

from typing import Any

import griffe


class AliasAssignments(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        for module in _modules(pkg):
            for name, member in list(module.members.items()):
                if not isinstance(member, griffe.Attribute):
                    continue
                target = _target(module, str(member.value) if member.value else "")
                if target is None:
                    continue
                replacement: griffe.Object | griffe.Alias
                if isinstance(target, griffe.Function):
                    replacement = _bound(name, target, member)
                else:
                    replacement = griffe.Alias(name, target, lineno=member.lineno, parent=module)
                replacement.public = member.public
                module.set_member(name, replacement)


def _modules(module: griffe.Module) -> list[griffe.Module]:
    found = [module]
    for member in module.members.values():
        if isinstance(member, griffe.Module):
            found.extend(_modules(member))
    return found


def _bound(name: str, method: griffe.Function, member: griffe.Attribute) -> griffe.Function:
    """A module-level function for a method bound to an instance: its signature without
    `self` (the implementation's, not the overloads'), its docstring."""
    function = griffe.Function(
        name,
        lineno=member.lineno,
        endlineno=member.endlineno,
        parameters=griffe.Parameters(*list(method.parameters)[1:]),
        returns=method.returns,
        docstring=method.docstring,
    )
    return function


def _target(module: griffe.Module, value: str) -> str | griffe.Function | None:
    """The path of the class `value` names in `module`, or the method it names (of the
    class whose instance the module makes), or None. Only objects
    of the package are looked at (isinstance, so that no alias to another package is
    resolved)."""
    head, _, method = value.partition(".")
    if not head.isidentifier() or (method and not method.isidentifier()):
        return None
    named = module.members.get(head)
    if isinstance(named, griffe.Alias):
        # an import: a class of the package, if its path says so
        return named.target_path if not method and _in_package(module, named) else None
    if isinstance(named, griffe.Class):
        return None if method else named.path
    if isinstance(named, griffe.Attribute) and method and named.value is not None:
        # `registry = EncoderRegistry()`: the method of the class it instantiates
        made = str(named.value)
        owner = module.members.get(made[:-2]) if made.endswith("()") else None
        if isinstance(owner, griffe.Alias) and _in_package(module, owner):
            owner = owner.final_target
        if isinstance(owner, griffe.Class):
            found = owner.members.get(method)
            return found if isinstance(found, griffe.Function) else None
    return None


def _in_package(module: griffe.Module, alias: griffe.Alias) -> bool:
    return alias.target_path.split(".")[0] == module.package.name


def _path(obj: griffe.Object | griffe.Alias) -> str:
    """Where an object is defined: an alias's target path (unresolved is fine), an
    object's own path."""
    return obj.target_path if isinstance(obj, griffe.Alias) else obj.path
