export { type MonitorOptions, monitorWindow } from './monitor.js';
export { renderMonitorHtml, renderMonitorMarkdown, writeMonitorReports } from './render.js';
export { MONITOR_REPORT_SCHEMA, type MonitorReport, type SchemaChange } from './types.js';
export { SMALL_WINDOW_ROWS, windowDriftConfig } from './window-drift.js';
