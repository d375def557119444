// A bar chart as plain SVG (no charting library for a handful of bars), with the same figures in
// a visually hidden table for screen readers.
import { useI18n, type MessageKey } from "./i18n.js";
import { formatVnd } from "./format.js";

export interface Bar {
  label: string;
  value: number;
}

export function BarChart({
  title,
  bars,
  labelHeader,
}: {
  title: MessageKey;
  bars: Bar[];
  labelHeader: MessageKey;
}) {
  const { t } = useI18n();
  const max = Math.max(1, ...bars.map((b) => b.value));
  const width = 100 / Math.max(1, bars.length);
  return (
    <figure className="chart">
      <figcaption>{t(title)}</figcaption>
      <svg
        viewBox="0 0 100 60"
        preserveAspectRatio="none"
        role="img"
        aria-label={t(title)}
        aria-hidden="false"
      >
        {bars.map((bar, i) => {
          const h = (bar.value / max) * 52;
          return (
            <rect
              key={bar.label}
              x={i * width + width * 0.15}
              y={56 - h}
              width={width * 0.7}
              height={Math.max(h, bar.value > 0 ? 0.8 : 0)}
              className="bar"
            >
              <title>{`${bar.label}: ${formatVnd(bar.value)}`}</title>
            </rect>
          );
        })}
        <line x1="0" y1="56" x2="100" y2="56" className="axis" />
      </svg>
      <div className="chart-labels" aria-hidden="true">
        {bars.map((bar, i) => (
          <span key={bar.label} style={{ width: `${width}%` }}>
            {bars.length <= 12 || i % Math.ceil(bars.length / 12) === 0 ? bar.label : ""}
          </span>
        ))}
      </div>
      <p className="chart-max" aria-hidden="true">
        max {formatVnd(max)}
      </p>
      <table className="visually-hidden">
        <caption>{t(title)}</caption>
        <thead>
          <tr>
            <th scope="col">{t(labelHeader)}</th>
            <th scope="col">{t("revenue")}</th>
          </tr>
        </thead>
        <tbody>
          {bars.map((bar) => (
            <tr key={bar.label}>
              <td>{bar.label}</td>
              <td>{formatVnd(bar.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
