import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { I18nProvider } from "./i18n";
import { TerminalApp } from "./terminal/TerminalApp";
import { labelTablesOnPhones } from "./components/phoneTables";
import "./styles.css";

// The operator terminal is a page of its own (badge sign-in, no office navigation).
const isTerminal = window.location.pathname === "/terminal" || window.location.pathname.startsWith("/terminal/");

labelTablesOnPhones();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <I18nProvider>
      {isTerminal ? <TerminalApp /> : <App />}
    </I18nProvider>
  </StrictMode>,
);
