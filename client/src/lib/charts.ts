/**
 * Chart.js with only the parts the dashboard draws (bar and line charts on category/linear axes, tooltip
 * and legend): registering `registerables` would ship every chart type and plugin.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  Legend,
);
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.font.size = 11;
Chart.defaults.color = "#475569";

export type { ChartConfiguration, ChartData, ChartDataset, ChartOptions } from "chart.js";
export { Chart };

export const COLORS = {
  dark: "#6366f1",
  ratio: "#f59e0b",
  short: "#ef4444",
  premium: "#16a34a",
  discount: "#dc2626",
  neutral: "#94a3b8",
  call: "#16a34a",
  put: "#dc2626",
  holder: "#0ea5e9",
} as const;
