"""What the network templates need to know at compile time: names, sizes and item numbers per layer.

Read from the neutral layer description (sb3gen.layers); item numbers are 1-based (Scratch lists) into the
flat `weights` list of the day-2 layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sb3gen.layers import Layer, check_runnable

# One template per layer kind: its macros forward, deltas (of the layer before it), update, randomize.
KIND_TEMPLATES = {"dense": "network/dense.sb", "conv": "network/conv.sb", "maxpool": "network/maxpool.sb"}
# Sprite variables a kind's blocks use besides the per-neuron ones.
# (A dense layer after a pool uses the pool's; MLP projects have no others.)
KIND_VARIABLES = {"dense": (),
                  "conv": ("patch", "filter step", "kernel", "entry #", "table code", "parent", "tap"),
                  "maxpool": ("map #", "pooled value", "entry #", "error")}
_KIND_WORDS = {"dense": "dense", "conv": "conv", "maxpool": "pool"}  # a layer's title: "pool 1"


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
class Tap:
    number: int  # 0-based, kernel row by kernel row
    pixel: int  # item of the pixel under this tap, counted from the patch's top-left item - 1


@dataclass(eq=False)
class LayerPlan:
    number: int  # 1 = first layer
    n_in: int
    n_out: int
    w_offset: int  # 0-based index of the first weight in the flat list
    b_offset: int  # 0-based index of the first bias
    activation: str  # "sigmoid" | "relu" | "softmax"
    title: str  # the layer's name in blocks, lists and variables: "conv 1", "pool 1", "dense 1", "output"
    names: tuple[str, ...]  # one sprite variable per output neuron (a conv: per filter, its sum)
    neurons: tuple[str, ...]  # what the neurons are called: "dense 1 neuron 3", "digit 0", "conv 1 filter 2"
    input_names: tuple[str, ...] | None  # the previous layer's variables (None: the 0/1 input pixels)
    layer: Layer  # the neutral description: kind, shapes, window
    previous: LayerPlan | None = field(default=None, repr=False)
    next: LayerPlan | None = field(default=None, repr=False)
    init: str = "fan-in"  # range of `randomize weights`: "fan-in" +-1/sqrt(n_in), "he" +-sqrt(6/n_in)

    @property
    def kind(self) -> str:
        return self.layer.kind

    # --- feature maps (conv, maxpool): sprite lists ordered (row, column, channel) ------------------------
    @property
    def map_list(self) -> str | None:
        return None if self.kind == "dense" else f"{self.title} maps"

    # A conv layer and the max-pool after it run as one block (`conv N and pool N forward`); the pool keeps
    # only its outputs above 0, in order, in these lists (one entry per such output), so the layers after it
    # and the backward pass loop over them alone.
    @property
    def active_list(self) -> str:
        return f"{self.title} active items"

    @property
    def values_list(self) -> str:
        return f"{self.title} active values"

    @property
    def winner_patch_list(self) -> str:
        return f"{self.title} winner patches"

    @property
    def kernel_list(self) -> str:
        return f"{self.title} winner kernels"

    @property
    def bias_list(self) -> str:
        return f"{self.title} winner biases"

    @property
    def active_delta_list(self) -> str:
        return f"{self.title} active errors"

    @property
    def delta_map_list(self) -> str:
        """A pool before a conv: the errors of all its outputs (row, column, channel), the conv's scatter."""
        return f"{self.title} map errors"

    @property
    def reads_a_map(self) -> bool:
        """A conv after a max-pool (the second conv): its inputs are the pool's outputs, 0 or above."""
        return self.kind == "conv" and self.previous is not None

    @property
    def fused_with_next(self) -> bool:
        """A conv whose max-pool runs in the same block (maxima before relu: relu(max) = max(relu))."""
        return self.kind == "conv" and self.next is not None and self.next.kind == "maxpool"

    @property
    def has_table(self) -> bool:
        """The first conv, fused with its pool, has a conv table for `test` (its input is 0/1 pixels)."""
        return self.fused_with_next and not self.reads_a_map

    @property
    def forward_call(self) -> str | None:
        """The custom block `forward pass` calls for this layer (None: a fused pool, run by its conv)."""
        if self.fused_with_next:
            return f"{self.title} and {self.next.title} forward"
        if self.kind == "maxpool" and self.previous is not None and self.previous.fused_with_next:
            return None
        return f"{self.title} forward"

    @property
    def max_names(self) -> tuple[str, ...]:
        """A fused conv: each filter's sum at the pool window's first position, which `window maxima` turns
        into its largest sum over the window."""
        return self.window_sum_names(0)

    @property
    def winner_names(self) -> tuple[str, ...]:
        """A fused conv: where each filter's largest sum was (its patch's offset from the first one's)."""
        return tuple(f"{name} winner" for name in self.names)

    def window_offsets(self) -> list[int]:
        """A fused conv: per position of a pool window (row by row), its patch's offset from the first's (in
        items of the input: pixels, or a map's (row, column, channel) items)."""
        size, channels = self.next.window, self.in_channels
        return [(dy * self.in_cols + dx) * channels for dy in range(size) for dx in range(size)]

    def window_sum_names(self, position: int) -> tuple[str, ...]:
        """A fused conv: the filters' sums at a position of the pool window (0-based; the first position's
        sums are the maxima so far)."""
        return tuple(f"{name} sum {position + 1}" for name in self.names)

    def window_pixel_rows(self) -> list[list[tuple[int, list[tuple[int, int]]]]]:
        """A fused conv: the pixels under a pool window's patches, row by row; per pixel its item counted from
        the window's top-left item - 1, and the (window position, kernel tap) pairs it is under. Visiting
        them in this order adds each position's taps in kernel order, as the reference does."""
        size, k = self.next.window, self.window
        side = size + k - 1
        rows = []
        for u in range(side):
            row = []
            for v in range(side):
                under = [(dy * size + dx, (u - dy) * k + (v - dx)) for dy in range(size) for dx in range(size)
                         if 0 <= u - dy < k and 0 <= v - dx < k]
                row.append((u * self.in_cols + v + 1, under))
            rows.append(row)
        return rows

    def window_map_inputs(self) -> list[tuple[int, list[tuple[int, int]]]]:
        """A fused conv on a map: the input positions under a pool window's patches, row by row; per position
        its first item counted from the window's top-left item - 1 (its channels follow), and the (window
        position, kernel item of its first channel counted from the filter's kernel) pairs it is under.
        Visiting them in this order, channels inside, adds each position's taps in kernel order."""
        channels = self.in_channels
        return [((item - 1) * channels, [(position, tap * channels) for position, tap in under])
                for row in self.window_pixel_rows() for item, under in row]

    def tap_offsets(self) -> list[tuple[int, int]]:
        """A conv on a map: per spatial kernel tap (kernel row, column), the item of its first channel counted
        from the patch's top-left item - 1, and counted from the filter's kernel."""
        channels = self.in_channels
        return [((ky * self.in_cols + kx) * channels, (ky * self.window + kx) * channels)
                for ky in range(self.window) for kx in range(self.window)]

    # The `test` pass reads a fused conv's sums from a table instead (the weights do not change during it):
    # for each 3x3 pattern of 0/1 pixels (code = sum of 2^tap over the taps that are 1) and filter, bias +
    # its kernel weights over the 1 taps, built once per pass by adding the highest tap's weight to the entry
    # of the pattern without it: each entry is the same sum in the same order as pixel by pixel.
    @property
    def table_list(self) -> str:
        return f"{self.title} table"

    @property
    def row_code_list(self) -> str:
        return f"{self.title} row codes"

    @property
    def table_parent_list(self) -> str:
        return f"{self.title} table parents"

    @property
    def table_tap_list(self) -> str:
        return f"{self.title} table taps"

    @property
    def patterns(self) -> int:
        return 2 ** (self.window * self.window)

    def table_parents_and_taps(self) -> tuple[list[int], list[int]]:
        """Per pattern code 1..patterns-1: the first item of the pattern without its highest tap, minus 1,
        and that tap (0-based)."""
        parents, taps = [], []
        for code in range(1, self.patterns):
            high = code.bit_length() - 1
            parents.append((code - 2 ** high) * self.units)
            taps.append(high)
        return parents, taps

    # From it, the pair table: for each pattern of 0/1 pixels 3 rows high and 4 columns wide (code = sum of
    # 2^(4 x row + column) over its 1 pixels) and filter, the larger of the filter's sums at the pattern's two
    # 3x3 positions (left, right). A 2x2 pool window's maximum is then the larger of two entries (its top and
    # bottom pair), the same number as the largest of its four sums.
    @property
    def pair_table_list(self) -> str:
        return f"{self.title} pair table"

    # Row codes: for each pixel row and pool window column, the code of the 4 pixels the window covers in
    # that row (1, 2, 4, 8 where they are 1) times the number of filters, at item row x slots + window column
    # + 1 (one slot more per row than windows, so that a pixel's two codes never reach another row's used
    # ones). A stroke pixel adds its bit to the codes of the two windows over it: from the constant lists,
    # the item of the first code and the bit in it; the other code is one item before, with the bit x 4.
    @property
    def row_code_slots(self) -> int:
        return self.next.out_cols + 1

    @property
    def row_code_items_list(self) -> str:
        return f"{self.title} row code items"

    @property
    def row_code_bits_list(self) -> str:
        return f"{self.title} row code bits"

    def row_code_constants(self) -> tuple[list[int], list[int]]:
        """Per pixel item 1..rows x cols: the item of the first code it is in (the window from its column or
        the column before), and its bit there, times the number of filters."""
        assert self.window == 3 and self.next.window == 2, "row codes are worked out for 3x3 and 2x2 only"
        items, bits = [], []
        for q in range(self.in_rows * self.in_cols):
            row, col = divmod(q, self.in_cols)
            items.append(row * self.row_code_slots + col // 2 + 1)
            bits.append(2 ** (col % 2) * self.units)
        return items, bits

    def window_row_code_items(self) -> list[int]:
        """The pool window's 4 pixel rows (top to bottom): their codes' items counted from `window code #`."""
        return [1 + row * self.row_code_slots for row in range(self.window + self.next.window - 1)]

    def kernel_base(self, unit: int) -> int:
        """Item of the filter's first kernel weight, minus 1."""
        return self.w_offset + unit * self.layer.fan_in

    @property
    def input_list(self) -> str | None:
        """The list a dense layer reads when it follows a conv or pool layer."""
        return self.previous.map_list if self.previous is not None else None

    @property
    def in_channels(self) -> int:
        return self.layer.in_shape[2]

    @property
    def in_rows(self) -> int:
        return self.layer.in_shape[0]

    @property
    def in_cols(self) -> int:
        return self.layer.in_shape[1]

    @property
    def out_rows(self) -> int:
        return self.layer.out_shape[0]

    @property
    def out_cols(self) -> int:
        return self.layer.out_shape[1]

    @property
    def channels(self) -> int:
        return self.layer.out_shape[2]

    @property
    def window(self) -> int:
        return self.layer.window

    @property
    def taps(self) -> list[Tap]:
        k = self.window
        return [Tap(ky * k + kx, ky * self.in_cols + kx + 1) for ky in range(k) for kx in range(k)]

    def kernel_item(self, unit: int, tap: int) -> int:
        return self.w_offset + unit * self.layer.fan_in + tap + 1

    # --- weights ------------------------------------------------------------------------------------
    @property
    def has_weights(self) -> bool:
        return self.layer.units > 0

    @property
    def has_update_block(self) -> bool:
        """A dense layer after a map updates its weights in `pool N errors` (one loop over the pool's
        active outputs gives their errors and the weight changes); other layers: `update <title>`."""
        return self.has_weights and (self.kind == "conv" or not self.input_list)

    @property
    def has_deltas(self) -> bool:
        """A `<title> errors` block: dense layers and pools (a conv reads its errors from the pool)."""
        return self.kind != "conv" and not self.is_output

    @property
    def fan_in(self) -> int:
        return self.layer.fan_in

    @property
    def units(self) -> int:
        return self.layer.units

    @property
    def variables(self) -> tuple[str, ...]:
        extra: tuple[str, ...] = ()
        if self.fused_with_next:
            positions = range(len(self.window_offsets()))
            extra = (*self.winner_names, *(name for p in positions for name in self.window_sum_names(p)))
            if self.has_table:
                extra = (*extra, "top pair code", "bottom pair code", "left code", "right code", "code row 1",
                         "code row 2", "code row 3", "empty window code", "window code #", "code #", "bit")
        if self.reads_a_map:
            extra = (*extra, "channel", "error")
        return (*self.names, *self.delta_names, *self.step_names, *extra)

    @property
    def lists(self) -> dict[str, list[int]]:
        """Sprite lists of the layer, with their initial items."""
        if self.kind == "conv":
            lists: dict[str, list[int]] = {self.map_list: []} if self.reads_a_map else \
                {"pixels": [], self.map_list: []}
            if self.has_table:
                parents, taps = self.table_parents_and_taps()
                code_items, code_bits = self.row_code_constants()
                lists.update({self.table_list: [], self.pair_table_list: [], self.row_code_list: [],
                              self.table_parent_list: parents, self.table_tap_list: taps,
                              self.row_code_items_list: code_items, self.row_code_bits_list: code_bits})
            return lists
        if self.kind == "maxpool":
            names = (self.map_list, self.active_list, self.values_list, self.winner_patch_list,
                     self.kernel_list, self.bias_list, self.active_delta_list)
            if self.next is not None and self.next.kind == "conv":
                names = (*names, self.delta_map_list)
            return {name: [] for name in names}
        return {name: [] for name in self.neuron_weight_lists}

    @property
    def dense_after_a_pool(self) -> bool:
        """A dense layer whose inputs are a pool's outputs: it loops over the pool's active ones."""
        return self.kind == "dense" and self.input_list is not None

    # `test` (the weights do not change during it): a dense layer after a pool reads each neuron's weights
    # from a list of its own, copied at the start, so that an item number is the pooled output's number alone
    @property
    def neuron_weight_lists(self) -> tuple[str, ...]:
        if not self.dense_after_a_pool:
            return ()
        return tuple(f"{self.title} neuron {j} weights" for j in range(1, self.units + 1))

    @property
    def test_forward_call(self) -> str | None:
        """The forward block `test` calls: a fused conv's reads the pair table, a dense layer after a pool
        its neurons' weight lists; the others are the forward pass's."""
        if self.forward_call and self.has_table:
            return f"{self.forward_call} with the conv table"
        if self.forward_call and self.neuron_weight_lists:
            return f"{self.forward_call} with the neuron lists"
        return self.forward_call

    @property
    def test_tables(self) -> tuple[str, ...]:
        """The lists `test` fills at its start and empties at its end (nothing of them is saved)."""
        if self.has_table:
            return (self.table_list, self.pair_table_list, self.row_code_list)
        return self.neuron_weight_lists

    @property
    def template(self) -> str:
        return KIND_TEMPLATES[self.layer.kind]

    @property
    def is_first(self) -> bool:
        return self.number == 1

    @property
    def is_output(self) -> bool:
        return self.activation == "softmax"

    @property
    def delta_names(self) -> tuple[str, ...]:
        """A dense layer: each neuron's error (the loss's derivative by its sum, δ in the literature)."""
        return tuple(f"{neuron} error" for neuron in self.neurons) if self.kind == "dense" else ()

    @property
    def neuron_blocks(self) -> tuple[str, ...]:
        """A dense layer's per-neuron custom blocks are called after these: `update output digit 0`."""
        return tuple(f"output {neuron}" for neuron in self.neurons) if self.is_output else self.neurons

    @property
    def step_names(self) -> tuple[str, ...]:
        """A dense layer after a pool: each neuron's error x LEARNING_RATE, what its weights learn by."""
        return tuple(f"{neuron} step" for neuron in self.neurons) if self.dense_after_a_pool else ()

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
        """Range of `randomize weights`, uniform in +-limit (see `init`), as text for the block."""
        return repr(self._limit())

    @property
    def init_limit_rounded(self) -> str:
        """The same for people (comments): 0.0714, not 0.07142857142857142."""
        return f"{self._limit():.3g}"

    def _limit(self) -> float:
        if self.init == "he":
            return (6.0 / self.layer.fan_in) ** 0.5
        return 1.0 / self.layer.fan_in ** 0.5

    def groups(self, size: int) -> list[NeuronGroup]:
        """The neurons in groups of `size` (the last may be smaller)."""
        return [NeuronGroup(start + 1, min(start + size, self.n_out), self.names[start:start + size])
                for start in range(0, self.n_out, size)]

    def items_note(self, template: str) -> str:
        """Fill a comment saying which `weights` items hold this layer's rows and biases."""
        first_bias = self.b_offset + 1
        return template.format(first=self.w_offset + 1, last=self.b_offset, rows=self.units, n_in=self.fan_in,
                               first_bias=first_bias, last_bias=self.b_offset + self.units)


def layer_titles(layers: list[Layer]) -> list[str]:
    """Each layer's name by kind and number among its kind, as the blocks call it: "conv 1", "pool 1" (the
    second layer), "dense 1", "output"."""
    counts = dict.fromkeys(KIND_TEMPLATES, 0)
    titles = []
    for layer in layers:
        counts[layer.kind] += 1
        titles.append("output" if layer.is_output else f"{_KIND_WORDS[layer.kind]} {counts[layer.kind]}")
    return titles


def plan_layers(layers: list[Layer], init: str = "fan-in") -> list[LayerPlan]:
    """One plan per layer; `init`: the range `randomize weights` draws from (LayerPlan.init)."""
    check_runnable(layers)
    plans: list[LayerPlan] = []
    previous: LayerPlan | None = None
    # named by kind, so a reader of the blocks sees what each layer is; names stay short: project.json
    # holds them thousands of times
    for layer, title in zip(layers, layer_titles(layers), strict=True):
        if layer.kind == "conv":
            neurons = tuple(f"{title} filter {f}" for f in range(1, layer.units + 1))
            names = neurons  # each filter's sum at one position
        elif layer.kind == "maxpool":
            neurons = names = ()
        elif layer.is_output:
            neurons = tuple(f"digit {d}" for d in range(layer.n_out))  # output neuron d answers digit d
            names = tuple(f"{neuron} score" for neuron in neurons)  # its sum, then its probability
        else:
            neurons = names = tuple(f"{title} neuron {j}" for j in range(1, layer.n_out + 1))
        inputs = previous.names if previous is not None and previous.kind == "dense" else None
        plan = LayerPlan(layer.number, layer.n_in, layer.n_out, layer.w_offset, layer.b_offset,
                         layer.activation, title, names, neurons, inputs, layer, previous, init=init)
        if previous is not None:
            previous.next = plan
        plans.append(plan)
        previous = plan
    return plans
