"""The base fixture itself is a valid post: every rule test starts from a clean pass."""

from conftest import Project


def test_base_post_is_clean(project: Project) -> None:
    project.post()
    result = project.check()
    assert result.findings == []
    assert result.posts == 1
