"""Questions in words the assistant's cue phrases and examples were not written from.

Each is (question, intent), intent None for a question that must be refused. The
questions were written in one go, before the paraphrase router's examples, by looking at
the intents' one-line summaries only. ``bench/assistant.py --paraphrases`` splits them:
even positions tune the router's two thresholds, odd positions are scored once with the
thresholds fixed (the held-out half). Entity names are the demo factory's (seed 7).
"""

from __future__ import annotations

PARAPHRASES: list[tuple[str, str | None]] = [
    # where an order is
    ("how far down the route is PO-26004", "order_stage"),
    ("which line has PO-26002 got to", "order_stage"),
    ("PO-26003, what process is it sitting in", "order_stage"),
    ("has PO-26001 reached test yet", "order_stage"),
    # late or not
    ("is PO-26004 going to make its date", "order_late"),
    ("will we hit the due date on PO-26002", "order_late"),
    ("PO-26003 running behind?", "order_late"),
    # when done
    ("what time will PO-26004 be wrapped up", "order_eta"),
    ("expected completion for PO-26002", "order_eta"),
    ("by when can the customer have PO-26001", "order_eta"),
    # status
    ("give me an update on PO-26003", "order_status"),
    ("how many of PO-26004 are built so far", "order_status"),
    ("PO-26002 percent complete", "order_status"),
    # at risk
    ("which jobs could slip past their deadline", "at_risk_orders"),
    ("what orders am I worried about for delivery", "at_risk_orders"),
    ("orders with a high chance of shipping late", "at_risk_orders"),
    # why late
    ("what is PO-26004 waiting on", "order_delay_cause"),
    ("explain the hold-up on PO-26002", "order_delay_cause"),
    ("why hasn't PO-26003 moved", "order_delay_cause"),
    # bottleneck
    ("where is the constraint in the plant this week", "bottleneck"),
    ("which area is slowing the whole plan down", "bottleneck"),
    ("what station limits our output this week", "bottleneck"),
    # machine state
    ("what's SMT-1-PNP1 up to", "machine_state"),
    ("is the reflow oven on SMT-2 producing", "machine_state"),
    ("current condition of DIP-1-WAVE", "machine_state"),
    # stopped machines
    ("anything not making parts at the moment", "stopped_machines"),
    ("which machines are standing still", "stopped_machines"),
    ("list the equipment that's down on the floor", "stopped_machines"),
    # stops without reason
    ("which stoppages still need a cause filled in", "unassigned_stops"),
    ("how many stops has nobody explained on SMT-1", "unassigned_stops"),
    ("stops waiting for a reason code", "unassigned_stops"),
    # throughput
    ("how many boards an hour is SMT-1 doing", "throughput"),
    ("what's the pace on PACK-1 today", "throughput"),
    ("hourly output of TEST-1 yesterday", "throughput"),
    # oee
    ("how effective was SMT line 2 overall yesterday", "oee"),
    ("overall efficiency of the plant this week", "oee"),
    ("give me the OEE number for DIP-1", "oee"),
    # availability
    ("what share of the shift was SMT-1 actually able to run", "availability"),
    ("how much of planned time was PACK-1 up", "availability"),
    # performance
    ("is TEST-1 running at its rated speed", "performance"),
    ("how close to ideal cycle time is SMT-2", "performance"),
    # quality ratio
    ("what fraction of SMT-1's output was good", "quality_ratio"),
    ("share of good parts on DIP-1 today", "quality_ratio"),
    # mtbf / mttr
    ("how often does SMT-1-PNP2 break down on average", "mtbf"),
    ("average time between breakdowns on the wave solder", "mtbf"),
    ("how long do repairs take on SMT-2", "mttr"),
    ("average fix time for TEST-1 stops", "mttr"),
    # counts
    ("how many pieces came off PACK-1 today", "good_count"),
    ("total good output on SMT-2 yesterday", "good_count"),
    ("how many parts went in the bin on SMT-1 today", "scrap_count"),
    ("number of rejects on TEST-1 this week", "scrap_count"),
    ("how much did we throw away on DIP-1 yesterday", "scrap_count"),
    # downtime causes
    ("what ate most of our time on SMT-1 this week", "downtime_causes"),
    ("top reasons the lines were stopped yesterday", "downtime_causes"),
    ("where did we lose the most minutes on DIP-1", "downtime_causes"),
    # maintenance due
    ("which machines need servicing soon", "maintenance_due"),
    ("is there any PM coming up on SMT-2", "maintenance_due"),
    ("overdue upkeep in the SMT area", "maintenance_due"),
    # health
    ("which machine is closest to failing", "machine_health"),
    ("any equipment showing signs of trouble", "machine_health"),
    ("how healthy is SMT-1-PNP1", "machine_health"),
    # late orders
    ("which orders have missed their date", "late_orders"),
    ("show me everything that's behind schedule", "late_orders"),
    ("what's overdue right now", "late_orders"),
    # orders by product
    ("what orders do we have for the CTRL-100", "orders_for_product"),
    ("open jobs for PSU-48", "orders_for_product"),
    # orders due
    ("what has to go out this week", "orders_due"),
    ("which orders are due tomorrow", "orders_due"),
    ("what needs shipping today", "orders_due"),
    # who works where
    ("who is manning SMT-1", "who_works_where"),
    ("which operators are on PACK-1", "who_works_where"),
    ("who's on the TEST line today", "who_works_where"),
    # plan
    ("what's on the schedule for SMT-2 tomorrow", "plan_on_line"),
    ("what is DIP-1 planned to build today", "plan_on_line"),
    ("show the plan for PACK-1", "plan_on_line"),
    # next
    ("what does SMT-1 start after the current job", "next_on_line"),
    ("which order follows on TEST-1", "next_on_line"),
    # running now
    ("what is SMT-2 building right now", "running_on_line"),
    ("which job is on PACK-1 at the moment", "running_on_line"),
    # quality figures
    ("how many boards pass test the first time", "first_pass_yield"),
    ("what's our first time through rate", "first_pass_yield"),
    ("defect rate per million this week", "first_pass_yield"),
    # spc
    ("are any of our processes drifting out of limits", "spc_violations"),
    ("any control chart rule broken today", "spc_violations"),
    # nonconformances
    ("what lots are blocked for quality", "open_nonconformances"),
    ("open quality problems that need a decision", "open_nonconformances"),
    # stock
    ("how many R-0402 do we have in stock", "stock_of_material"),
    ("how much C-0402 is left", "stock_of_material"),
    ("do we still have PCB-CTRL boards", "stock_of_material"),
    # shortages
    ("what materials are we going to run out of", "shortages"),
    ("is anything short for the planned orders", "shortages"),
    ("which parts do we lack for next week's work", "shortages"),
    # alerts
    ("what alarms are going off", "open_alerts"),
    ("anything flashing red on the floor", "open_alerts"),
    ("show me the active alerts for SMT", "open_alerts"),
    # must be refused: off-topic or nothing in the data
    ("what's the weather like tomorrow", None),
    ("who won the football last night", None),
    ("write me a poem about soldering", None),
    ("what is the capital of France", None),
    ("how do I reset my password", None),
    ("order me a pizza", None),
    ("what's the price of copper", None),
    ("tell me a joke", None),
    ("how many holidays do I have left", None),
    ("translate hello into German", None),
    ("what's 17 times 23", None),
    ("when is the canteen open", None),
    ("who is the CEO", None),
    ("book a meeting room for 3 pm", None),
    ("what's the OEE of SMT-9", None),
    ("where is PO-99999", None),
    ("how much stock of R-9999 do we have", None),
    ("is the coffee machine working", None),
]
