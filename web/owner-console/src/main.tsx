import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { I18nProvider } from "../../shared/i18n.js";
import "../../shared/styles.css";
import { App } from "./App.js";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <I18nProvider>
      <App />
    </I18nProvider>
  </StrictMode>,
);
