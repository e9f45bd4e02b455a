"""The order book: which operation of which order a line may work on, and when.

Orders move as whole lots: an operation becomes ready when the previous one has
finished (and the order is released), with what the previous one delivered good as its
input. That keeps "never more out than came in" true at every instant.
"""

from __future__ import annotations

from dataclasses import dataclass

from linewise.simulation.spec import FactorySpec, OrderSpec, ProductSpec, StepSpec
from linewise.simulation.timefmt import to_ms


@dataclass(slots=True)
class OpState:
    order: OrderSpec
    product: ProductSpec
    step: StepSpec
    due_ms: int
    remaining: int = 0  # units still to start on a line
    output_good: int = 0  # good units delivered so far (including before the run)
    ready_ms: int | None = None  # input complete and order released from then on
    pinned_line: str | None = None  # an operation already under way stays on its line
    running: bool = False
    complete: bool = False
    next: OpState | None = None


class OrderBook:
    def __init__(self, spec: FactorySpec, start_ms: int) -> None:
        products = {p.code: p for p in spec.products}
        self.ops: list[OpState] = []
        self.initial_family: dict[str, tuple[int, str]] = {}
        for order in spec.orders:
            self._add_order(order, products[order.product], start_ms)
        # only operations with a known ready time can ever be picked: scan just those
        self.open: list[OpState] = [op for op in self.ops if op.ready_ms is not None]

    def _add_order(self, order: OrderSpec, product: ProductSpec, start_ms: int) -> None:
        due = to_ms(order.due)
        release = start_ms if order.status != "planned" else max(start_ms, to_ms(order.release))
        upstream = order.quantity
        previous: OpState | None = None
        waiting_for_input = False
        for step in product.steps:
            op = OpState(order, product, step, due)
            progress = order.progress.get(step.seq)
            if previous is not None:
                previous.next = op
            previous = op
            self.ops.append(op)
            if waiting_for_input:
                continue
            if progress is not None and progress.status == "completed":
                op.complete, op.output_good = True, progress.good
                upstream = progress.good
                continue
            waiting_for_input = True
            op.ready_ms = release
            if progress is not None and progress.status == "in_progress":
                op.output_good = progress.good
                op.remaining = max(0, upstream - progress.good - progress.scrap)
                op.pinned_line = progress.line
                if progress.line is not None:
                    known = self.initial_family.get(progress.line)
                    if known is None or due < known[0]:
                        self.initial_family[progress.line] = (due, step.setup_family)
            else:
                op.remaining = upstream

    def pick(self, line: str, family: str | None, now: int, prefer_ms: int) -> OpState | None:
        """Earliest due first; an operation needing no changeover may jump ``prefer_ms``."""
        best: OpState | None = None
        best_key: tuple[int, str, int] | None = None
        for op in self.open:
            if op.ready_ms is None or op.ready_ms > now or not self._eligible(op, line):
                continue
            bonus = prefer_ms if op.step.setup_family == family else 0
            key = (op.due_ms - bonus, op.order.number, op.step.seq)
            if best_key is None or key < best_key:
                best, best_key = op, key
        return best

    def next_ready(self, line: str, now: int) -> int | None:
        """When an operation this line could run is released next (if one is known)."""
        times = [
            op.ready_ms
            for op in self.open
            if op.ready_ms is not None and op.ready_ms > now and self._eligible(op, line)
        ]
        return min(times, default=None)

    @staticmethod
    def _eligible(op: OpState, line: str) -> bool:
        return (
            not op.complete
            and not op.running
            and line in op.step.cycle_time_s
            and (op.pinned_line is None or op.pinned_line == line)
        )

    def finish(self, op: OpState, now: int) -> None:
        """The lot is through: hand its good units to the next operation."""
        op.running, op.complete = False, True
        self.open.remove(op)
        successor = op.next
        if successor is not None:
            successor.remaining = op.output_good
            successor.ready_ms = now
            self.open.append(successor)
