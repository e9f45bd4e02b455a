// A handful of line icons (24×24, stroke-based) so that we need no icon library.
const PATHS = {
  orders: "M9 5h10M9 12h10M9 19h10M4.5 5h.01M4.5 12h.01M4.5 19h.01",
  products: "M12 3 3 7.5v9L12 21l9-4.5v-9L12 3Zm0 0v18M3 7.5l9 4.5 9-4.5",
  lines: "M3 17h18M5 17V9h4v8M10 17V5h4v12M15 17v-6h4v6",
  inventory: "M3 21V8l9-5 9 5v13M7 21v-8h10v8M7 17h10",
  operators: "M16 19v-1a4 4 0 0 0-4-4H7a4 4 0 0 0-4 4v1M9.5 10a3 3 0 1 0 0-6 3 3 0 0 0 0 6ZM21 19v-1a4 4 0 0 0-3-3.9M15 4.1a3 3 0 0 1 0 5.8",
  calendars: "M4 6h16v14H4zM4 10h16M8 3v4M16 3v4",
  reasons: "M4 4h10l6 6v10H4zM14 4v6h6M8 14h8M8 17h5",
  floor: "M3 21V10l6 4V10l6 4V6l6 4v11z",
  kpis: "M4 20V10M10 20V4M16 20v-7M22 20H2",
  schedule: "M3 6h8M6 12h12M9 18h9",
  downtime: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18ZM12 7v5l3 2M4 4l16 16",
  logout: "M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10",
  back: "M15 5l-7 7 7 7",
  import: "M12 3v12M7 10l5 5 5-5M4 17v3h16v-3",
  admin: "M12 3 4 6v6c0 4.5 3.4 8.3 8 9 4.6-.7 8-4.5 8-9V6l-8-3Zm-3 9 2 2 4-4",
  menu: "M4 6h16M4 12h16M4 18h16",
  alerts: "M6 16V11a6 6 0 1 1 12 0v5l2 2H4l2-2ZM10 21h4",
  search: "M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14Zm5-2 5 5",
  jobs: "M4 5h16v4H4zM4 10h16v4H4zM4 15h16v4H4zM7 7h.01M7 12h.01M7 17h.01",
  ask: "M4 5h16v11H9l-5 4V5ZM9.5 9a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .8-1 1.5M12 14.5h.01",
  close: "M6 6l12 12M18 6 6 18",
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 20 }: { name: IconName; size?: number }) {
  return (
    <svg className="icon" width={size} height={size} viewBox="0 0 24 24" fill="none"
      stroke="currentColor" strokeWidth={1.8} strokeLinecap="round" strokeLinejoin="round"
      aria-hidden="true">
      <path d={PATHS[name]} />
    </svg>
  );
}
