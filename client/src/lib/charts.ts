/**
 * Chart.js with only the parts the dashboard draws (bar, line and bubble charts on category/linear axes,
 * tooltip, legend, and zoom/pan from chartjs-plugin-zoom): registering `registerables` would ship every
 * chart type and plugin. Time axes are linear axes over epoch milliseconds with New York tick labels, so no
 * date adapter ships either.
 */
import {
  BarController,
  BarElement,
  BubbleController,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import zoomPlugin from "chartjs-plugin-zoom";

Chart.register(
  zoomPlugin,
  BubbleController,
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

export type { ChartConfiguration, ChartData, ChartDataset, ChartOptions, Plugin } from "chart.js";

/** Wheel/pinch zoom and drag pan along the x axis (the time axis of every chart that enables it). */
export const ZOOM_X = {
  zoom: { wheel: { enabled: true }, pinch: { enabled: true }, mode: "x" as const },
  pan: { enabled: true, mode: "x" as const },
};
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
  price: "#334155",
  level: "rgba(99, 102, 241, 0.14)",
  cluster: "rgba(234, 88, 12, 0.22)",
} as const;
