import type { ReactNode } from "react";
import { match, navigate, useLocation, type Location } from "./router";
import { AdminPage } from "./pages/AdminPage";
import { AlertsPage } from "./pages/AlertsPage";
import { CalendarsPage } from "./pages/CalendarsPage";
import { DowntimePage } from "./pages/DowntimePage";
import { FloorPage } from "./pages/FloorPage";
import { IdlePage } from "./pages/IdlePage";
import { CostRatesPage } from "./pages/CostRatesPage";
import { DeliveriesPage } from "./pages/DeliveriesPage";
import { ImportPage } from "./exchange/ImportPage";
import { InventoryPage } from "./pages/InventoryPage";
import { MaterialStockPage } from "./pages/MaterialStockPage";
import { JobsPage } from "./pages/JobsPage";
import { KpiPage } from "./pages/KpiPage";
import { LinesPage } from "./pages/LinesPage";
import { MaterialsPage } from "./pages/MaterialsPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { OperatorsPage } from "./pages/OperatorsPage";
import { OrderDetailPage } from "./pages/OrderDetailPage";
import { OrdersPage } from "./pages/OrdersPage";
import { ProductsPage } from "./pages/ProductsPage";
import { ReasonCodesPage } from "./pages/ReasonCodesPage";
import { ScenariosPage } from "./pages/ScenariosPage";
import { SchedulePage } from "./pages/SchedulePage";
import { ShiftReportPage } from "./pages/ShiftReportPage";
import { ReportsPage } from "./pages/ReportsPage";
import { GenealogyPage } from "./genealogy/GenealogyPage";
import { useEffect } from "react";
import { AllocationPage } from "./allocation/AllocationPage";
import { AccountSecurityPage } from "./pages/AccountSecurityPage";
import { MaintenancePage } from "./maintenance/MaintenancePage";
import { QualityPage } from "./pages/QualityPage";

type Render = (params: Record<string, string>, loc: Location) => ReactNode;

// Add new pages here (and their entry in NAV in components/Shell.tsx).
const ROUTES: [string, Render][] = [
  ["/floor", (_p, loc) => <FloorPage wall={loc.query.get("wall") === "1"} />],
  ["/orders", (_p, loc) => <OrdersPage query={loc.query} />],
  ["/kpis", (_p, loc) => <KpiPage query={loc.query} />],
  ["/kpis/shift-report", (_p, loc) => <ShiftReportPage query={loc.query} />],
  ["/downtime", () => <DowntimePage />],
  ["/schedule", (_p, loc) => <SchedulePage query={loc.query} />],
  ["/schedule/scenarios", (_p, loc) => <ScenariosPage query={loc.query} />],
  ["/orders/:id", (p) => <OrderDetailPage key={p.id} id={p.id} />],
  ["/products", () => <ProductsPage />],
  ["/products/:id", (p) => <ProductsPage selectedId={Number(p.id)} />],
  ["/lines", () => <LinesPage />],
  ["/inventory", () => <InventoryPage />],
  ["/materials", () => <MaterialsPage />],
  ["/cost-rates", () => <CostRatesPage />],
  ["/operators", () => <OperatorsPage />],
  ["/calendars", () => <CalendarsPage />],
  ["/reason-codes", () => <ReasonCodesPage />],
  ["/import", () => <ImportPage />],
  ["/admin/jobs", () => <JobsPage />],
  ["/alerts", () => <AlertsPage />],
  ["/admin", () => <AdminPage tab="" />],
  ["/admin/:tab", (p) => <AdminPage tab={p.tab} />],
  ["/materials/:id", (p) => <MaterialStockPage key={p.id} id={Number(p.id)} />],
  ["/allocation", () => <AllocationPage />],
  ["/idle", () => <IdlePage />],
  ["/reports", () => <ReportsPage />],
  ["/genealogy", (_p, loc) => <GenealogyPage query={loc.query} />],
  ["/deliveries", () => <DeliveriesPage />],
  ["/account/security", () => <AccountSecurityPage />],
  ["/maintenance", () => <MaintenancePage />],
  ["/quality", () => <QualityPage />],
];

export function Routes() {
  const loc = useLocation();
  // "/login" is where people expect to sign in; signed in, it is the start page too.
  const isRoot = loc.path === "/" || loc.path === "" || loc.path === "/login";
  useEffect(() => {
    if (isRoot) navigate("/orders", { replace: true });
  }, [isRoot]);
  if (isRoot) return null;
  for (const [pattern, render] of ROUTES) {
    const params = match(pattern, loc.path);
    if (params) return <>{render(params, loc)}</>;
  }
  return <NotFoundPage />;
}
