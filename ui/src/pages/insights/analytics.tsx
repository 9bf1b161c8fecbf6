// Analytics dashboards (filled in once the analytics schema lands).
import { PageHeader } from '../../components/ui.tsx';

export function AnalyticsPage() {
  return <div className="page"><PageHeader eyebrow="Insights" title="Analytics" /></div>;
}
