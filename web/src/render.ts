// The render loop: every animation frame draws the robots; numbers, the network view and the charts
// refresh a few times a second.
import type { AgentPanel } from './agentPanel.js';
import { drawCamera, drawRobot, drawTrail, type View } from './draw.js';

/** Trail length in logged rows (a row every `logEvery` steps). */
const TRAIL_ROWS = 400;
/** Milliseconds between refreshes of the numbers, the network view and the charts. */
const EVERY = { fields: 100, network: 250, charts: 300 } as const;

/** What the loop draws on. */
export interface Stage {
  robotCanvas: HTMLCanvasElement;
  cameraCanvas: HTMLCanvasElement;
  fpsText: HTMLElement;
  /** The track's drawing, once agent A's run has one. */
  view(): View | null;
  /** The agents running now. */
  agents(): AgentPanel[];
  /** Called when the charts are redrawn (the race chart follows). */
  chartsDrawn?(): void;
}

/** Starts the loop (it runs as long as the page does). */
export function startRenderLoop(stage: Stage): void {
  const overlay = stage.robotCanvas.getContext('2d')!;
  let frames = 0;
  // One-second windows measured so far: a test waits for this to grow instead of sleeping.
  let windows = 0;
  let fpsSince = performance.now();
  const last = { fields: 0, network: 0, charts: 0 };
  const due = (what: keyof typeof last, now: number) => {
    if (now - last[what] < EVERY[what]) return false;
    last[what] = now;
    return true;
  };

  const render = (now: number): void => {
    frames++;
    if (now - fpsSince >= 1000) {
      stage.fpsText.textContent = String(Math.round((frames * 1000) / (now - fpsSince)));
      stage.fpsText.dataset.windows = String(++windows);
      frames = 0;
      fpsSince = now;
    }
    overlay.clearRect(0, 0, stage.robotCanvas.width, stage.robotCanvas.height);
    const view = stage.view();
    const agents = stage.agents();
    if (view) for (const agent of agents) drawAgent(overlay, view, agent, stage.cameraCanvas);
    if (due('fields', now)) for (const agent of agents) agent.showFields();
    if (due('network', now)) for (const agent of agents) agent.drawNetwork();
    if (due('charts', now)) {
      for (const agent of agents) {
        if (agent.chartsDirty && agent.charts && agent.series) {
          agent.charts.update(agent.series);
          agent.chartsDirty = false;
        }
      }
      stage.chartsDrawn?.();
    }
    requestAnimationFrame(render);
  };
  requestAnimationFrame(render);
}

/** One agent's trail and robot (and agent A's camera image). */
function drawAgent(
  overlay: CanvasRenderingContext2D,
  view: View,
  agent: AgentPanel,
  cameraCanvas: HTMLCanvasElement,
): void {
  const { layout, frame, series } = agent;
  if (!layout || !frame || !series) return;
  const colour = agent.colour;
  drawTrail(
    overlay,
    view,
    series.column('x'),
    series.column('y'),
    Math.max(0, series.length - TRAIL_ROWS),
    series.length,
    frame.pose,
    colour,
  );
  drawRobot(overlay, view, layout, frame.pose, colour);
  if (agent.id === 'a' && layout.camera && frame.camera)
    drawCamera(cameraCanvas, layout.camera.width, layout.camera.height, frame.camera);
}
