"""softmax-without-dim and module-init-not-called: broken code fires, correct code does not."""

from __future__ import annotations

from tests.codecheck.lines import findings, lines


def test_softmax_family_without_dim_fires():
    source = """\
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        a = F.softmax(x)
        b = torch.nn.functional.log_softmax(x)
        c = nn.Softmax()
        d = torch.softmax(x)
        e = F.softmin(x)
    """
    assert lines("softmax-without-dim", source) == [4, 5, 6, 7, 8]
    assert [f.facts["function"] for f in findings("softmax-without-dim", source)] == [
        "softmax", "log_softmax", "softmax", "softmax", "softmin"]


def test_softmax_with_dim_or_from_other_libraries_is_quiet():
    source = """\
        import scipy.special
        a = F.softmax(x, dim=-1)
        b = F.log_softmax(x, 1)
        c = nn.Softmax(dim=1)
        d = nn.LogSoftmax(-1)
        e = torch.softmax(x, -1)
        f = x.softmax(-1)
        g = scipy.special.softmax(x)
        h = F.softmax(*args)
        i = F.softmax(x, **options)
        j = torch.softmax(x, dim=1)
    """
    assert lines("softmax-without-dim", source) == []


def test_module_without_super_init_fires():
    source = """\
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self):
                self.fc = nn.Linear(4, 2)
        class Child(Net):
            def __init__(self):
                self.n = 2
    """
    assert lines("module-init-not-called", source) == [3, 6]


def test_a_layer_assigned_before_super_init_fires_on_the_assignment():
    source = """\
        from torch import nn
        class Net(nn.Module):
            def __init__(self, width):
                self.width = width
                self.fc = nn.Linear(width, 2)
                super().__init__()
    """
    [finding] = findings("module-init-not-called", source)
    assert (finding.line, finding.col) == (5, 9) and "self.fc" in finding.message and "line 6" in finding.message


def test_modules_that_call_their_parent_init_are_quiet():
    source = """\
        import torch
        from torch import nn
        class A(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 2)
        class B(torch.nn.Module):
            def __init__(self, n):
                self.n = n  # a plain value before the super call is allowed
                super(B, self).__init__()
                self.w = nn.Parameter(torch.zeros(n))
        class C(A):
            def __init__(self):
                A.__init__(self)
        class D(nn.Sequential):
            def __init__(self):
                nn.Module.__init__(self)
        class E(A):
            pass
        class NotAModule:
            def __init__(self):
                self.x = 1
    """
    assert lines("module-init-not-called", source) == []
