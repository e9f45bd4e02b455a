import { Link } from "../components/Link";
import { PageHeader } from "../components/PageHeader";

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" subtitle="There is nothing at this address." />
      <Link to="/orders" className="btn">Go to orders</Link>
    </>
  );
}
