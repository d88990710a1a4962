"""The synthesized view of a construct's resource, as the Fintech pack's rules receive it."""

from aws_cdk import CfnResource, Stack, Stage

from landing_zone.compliance.assembly import (
    assembly_templates,
    read_json,
    stack_templates,
    synthesize,
    tree_resources,
)
from landing_zone.compliance.rules.resource import UNMARKED, Resource, Template


def view(node: CfnResource) -> Resource:
    """``node`` in its synthesized template: the app is synthesized (again when its tree
    changed), and the template carries its stack's mark and the construct paths."""
    app = node.node.root
    assert isinstance(app, Stage), node.node.path
    files = assembly_templates(stack_templates(synthesize(app)))
    tree = tree_resources(app)
    stack = Stack.of(node)
    (file,) = (file for file in files if file.name == stack.template_file)
    template = Template(
        file.name,
        read_json(file),
        tree.marks.get(file.name, UNMARKED),
        tree.paths.get(file.name, {}),
    )
    return template.resource(str(stack.resolve(node.logical_id)))
