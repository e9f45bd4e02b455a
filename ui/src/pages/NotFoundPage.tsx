import { Link } from "../components/Link";
import { PageHeader } from "../components/PageHeader";
import { t } from "../i18n";

export function NotFoundPage() {
  return (
    <>
      <PageHeader title={t("Page not found")} subtitle={t("There is nothing at this address.")} />
      <Link to="/orders" className="btn">{t("Go to orders")}</Link>
    </>
  );
}
