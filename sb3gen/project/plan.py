"""What the network templates need to know at compile time: names, sizes and item numbers per layer.

Read from the neutral layer description (sb3gen.layers); item numbers are 1-based (Scratch lists) into the
flat `weights` list of the day-2 layout.
"""

from __future__ import annotations

from dataclasses import dataclass

from sb3gen.layers import Layer

# One template per layer kind: its macros forward, deltas (of the layer before it), update, randomize.
KIND_TEMPLATES = {"dense": "network/dense.sb"}


@dataclass(frozen=True)
class NeuronGroup:
    """Neurons first..last (numbered from 1) of a layer: one custom block works on them."""

    first: int
    last: int
    names: tuple[str, ...]

    @property
    def indices(self) -> range:
        """0-based neuron numbers."""
        return range(self.first - 1, self.last)


@dataclass(frozen=True)
class LayerPlan:
    number: int  # 1 = first layer
    n_in: int
    n_out: int
    w_offset: int  # 0-based index of the first weight in the flat list
    b_offset: int  # 0-based index of the first bias
    activation: str  # "sigmoid" | "relu" | "softmax"
    names: tuple[str, ...]  # one sprite variable per output neuron
    input_names: tuple[str, ...] | None  # the previous layer's variables (None: the 0/1 input pixels)
    layer: Layer  # the neutral description: kind, shapes, window

    @property
    def kind(self) -> str:
        return self.layer.kind

    @property
    def template(self) -> str:
        return KIND_TEMPLATES[self.layer.kind]

    @property
    def is_first(self) -> bool:
        return self.input_names is None

    @property
    def is_output(self) -> bool:
        return self.activation == "softmax"

    @property
    def delta_names(self) -> tuple[str, ...]:
        return tuple(f"δ{name}" for name in self.names)

    def weight_item(self, neuron: int, source: int) -> int:
        """Item of the weight into `neuron` from input `source` (both 0-based)."""
        return self.w_offset + neuron * self.n_in + source + 1

    def row_start(self, neuron: int) -> int:
        """Constant C with item(C + pixel) = weight into `neuron` from 1-based input `pixel`."""
        return self.w_offset + neuron * self.n_in

    def bias_item(self, neuron: int) -> int:
        return self.b_offset + neuron + 1

    @property
    def init_limit(self) -> str:
        """Fan-in scaled range of `randomize weights`: uniform in +-1/sqrt(n_in), as text for the block."""
        return repr(1.0 / self.n_in ** 0.5)

    @property
    def init_limit_rounded(self) -> str:
        """The same for people (comments): 0.0714, not 0.07142857142857142."""
        return f"{1.0 / self.n_in ** 0.5:.3g}"

    def groups(self, size: int) -> list[NeuronGroup]:
        """The neurons in groups of `size` (the last may be smaller)."""
        return [NeuronGroup(start + 1, min(start + size, self.n_out), self.names[start:start + size])
                for start in range(0, self.n_out, size)]

    def items_note(self, template: str) -> str:
        """Fill a comment saying which `weights` items hold this layer's rows and biases."""
        first_bias = self.b_offset + 1
        return template.format(first=self.w_offset + 1, last=self.b_offset, rows=self.n_out, n_in=self.n_in,
                               first_bias=first_bias, last_bias=self.b_offset + self.n_out)


def plan_layers(layers: list[Layer]) -> list[LayerPlan]:
    plans: list[LayerPlan] = []
    previous: tuple[str, ...] | None = None
    for layer in layers:
        number = layer.number
        # numbered from 1 like the hidden neurons; output k answers digit k - 1 (the softmax comment says so)
        names = tuple(f"out {k}" for k in range(1, layer.n_out + 1)) if layer.is_output else \
            tuple(f"h{number}.{j}" for j in range(1, layer.n_out + 1))
        plans.append(LayerPlan(number, layer.n_in, layer.n_out, layer.w_offset, layer.b_offset,
                               layer.activation, names, previous, layer))
        previous = names
    return plans
