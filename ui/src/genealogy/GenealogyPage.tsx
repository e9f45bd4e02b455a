import { useState, type FormEvent } from "react";
import { PageHeader } from "../components/PageHeader";
import { Empty, ErrorState, Loading } from "../components/States";
import { fmtNumber } from "../format";
import { t } from "../i18n";
import { navigate } from "../router";
import { useApi } from "../useApi";
import { findLots, traceLot, type Direction, type TraceLot, type TraceNode } from "./api";
import { ShipPanel } from "./ShipPanel";
import "./genealogy.css";

/** Search a lot or serial, then trace it backward (what went into it, down to the reels)
 *  and forward (every lot and unit it went into, and the customer orders). */
export function GenealogyPage({ query }: { query: URLSearchParams }) {
  const q = query.get("q") ?? "";
  const lotId = Number(query.get("lot_id") ?? "") || null;
  const [text, setText] = useState(q);
  const [shipped, setShipped] = useState(0); // a booked shipment redraws the forward trace
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (text.trim()) navigate(`/genealogy?q=${encodeURIComponent(text.trim())}`);
  };
  return (
    <>
      <PageHeader title={t("Genealogy")} subtitle={t("Which component lots went into a finished lot, and where a reel went.")} />
      <section className="panel">
        <form className="trace-search" onSubmit={submit} role="search">
          <label htmlFor="trace-q">{t("Lot or serial number")}</label>
          <input id="trace-q" className="input" value={text} onChange={(e) => setText(e.target.value)} placeholder={t("e.g. reel or batch number")} />
          <button className="btn btn-primary btn-large" type="submit">{t("Search")}</button>
        </form>
        {q && <Hits key={q} q={q} selected={lotId} material={query.get("material")} product={query.get("product")} />}
      </section>
      {lotId !== null && (
        <div className="trace-grid">
          <Tree key={`b-${lotId}`} lotId={lotId} q={q} direction="backward" />
          <Tree key={`f-${lotId}-${shipped}`} lotId={lotId} q={q} direction="forward" />
        </div>
      )}
      {lotId !== null && <SelectedLot lotId={lotId} onShipped={() => setShipped((n) => n + 1)} />}
    </>
  );
}

/** The ship form for the selected lot, when it is a finished-goods lot. */
function SelectedLot({ lotId, onShipped }: { lotId: number; onShipped: () => void }) {
  // The trace's root is the lot itself (reached from a search or from another trace).
  const trace = useApi(() => traceLot(lotId, "backward"), [lotId]);
  const root = trace.data?.root;
  return root ? <ShipPanel key={lotId} lot={root} onShipped={onShipped} /> : null;
}

function lotLabel(l: { item: { code: string }; lot: string }) {
  return `${l.item.code} · ${l.lot}`;
}

function Hits({ q, selected, material, product }: { q: string; selected: number | null; material: string | null; product: string | null }) {
  const hits = useApi(() => findLots(q), [q]);
  if (hits.error) return <ErrorState error={hits.error} onRetry={hits.reload} />;
  if (!hits.data) return <Loading />;
  const wanted = (h: TraceLot) =>
    (material === null || (h.item.kind === "material" && String(h.item.id) === material)) &&
    (product === null || (h.item.kind === "product" && String(h.item.id) === product));
  const shown = hits.data.filter(wanted);
  const go = (h: TraceLot) => navigate(`/genealogy?q=${encodeURIComponent(q)}&lot_id=${h.lot_id}`, { replace: selected !== null });
  // One exact hit (a link from stock): open it at once.
  const exact = shown.filter((h) => h.lot === q || h.serial === q);
  if (selected === null && exact.length === 1) {
    queueMicrotask(() => go(exact[0]));
  }
  if (shown.length === 0) return <Empty>{t("No lot or unit serial starts with “{q}”.", { q })}</Empty>;
  return (
    <div className="trace-hits" data-testid="trace-hits">
      {shown.map((h) => (
        <button key={`${h.lot_id}-${h.serial ?? ""}`} type="button" className={`btn${h.lot_id === selected ? " btn-primary" : ""}`} aria-pressed={h.lot_id === selected} onClick={() => go(h)}>
          {lotLabel(h)}{h.order_number && h.order_number !== h.lot ? ` (${t("Order {number}", { number: h.order_number })})` : ""}
          {h.serial ? ` (${t("unit {serial}", { serial: h.serial })})` : ""}
        </button>
      ))}
    </div>
  );
}

function Tree({ lotId, q, direction }: { lotId: number; q: string; direction: Direction }) {
  const trace = useApi(() => traceLot(lotId, direction), [lotId, direction]);
  const title = direction === "backward" ? t("Backward: what went into it") : t("Forward: where it went");
  return (
    <section className="panel" data-testid={`trace-${direction}`}>
      <h2 className="panel-title">{title}</h2>
      {trace.error ? <ErrorState error={trace.error} onRetry={trace.reload} />
        : !trace.data ? <Loading />
        : (
          <>
            <ul className="trace-tree"><Node node={trace.data.root} q={q} direction={direction} /></ul>
            {trace.data.root.children.length === 0 && (
              <Empty>{direction === "backward" ? t("Nothing was consumed into this lot.") : t("This lot went into nothing yet.")}</Empty>
            )}
            {trace.data.truncated && <p className="muted">{t("Cut at {count} lots.", { count: trace.data.lots })}</p>}
          </>
        )}
    </section>
  );
}

function Node({ node, q, direction }: { node: TraceNode; q: string; direction: Direction }) {
  const open = () => navigate(`/genealogy?q=${encodeURIComponent(q)}&lot_id=${node.lot_id}`);
  return (
    <li data-testid="trace-node">
      <span className="trace-node">
        <button type="button" className="btn-link mono strong" onClick={open} title={t("Trace this lot")}>{lotLabel(node)}</button>
        <span className="sub">{node.item.name}</span>
        {node.qty !== null && node.qty !== undefined && (
          <span className="num">{direction === "backward" ? t("{qty} {unit} used", { qty: fmtNumber(node.qty), unit: node.item.unit }) : t("{qty} used", { qty: fmtNumber(node.qty) })}</span>
        )}
        {node.order_number && <span className="muted">{t("made by order {number}", { number: node.order_number })}</span>}
        {node.shipments.map((s) => (
          <span key={s.customer_order} className="trace-ship">{t("shipped {qty} to {order} ({customer})", { qty: fmtNumber(s.qty), order: s.customer_order, customer: s.customer })}</span>
        ))}
      </span>
      {node.children.length > 0 && (
        <ul>{node.children.map((c) => <Node key={`${c.lot_id}`} node={c} q={q} direction={direction} />)}</ul>
      )}
    </li>
  );
}
