import "server-only";
import type { Db } from "@/server/db";
import type { Principal } from "@/server/auth/principal";
import { projectIdsWhere } from "@/server/projects/project-access";
import type { LabelingDashboard } from "@/lib/labeling/tasks";
import type { StoredAgreement } from "@/server/labeling/quality";

// The managers' labeling dashboard, across the jobs of the projects they may read (or one project):
// each job's progress, review backlog and agreement from its counters and its stored agreement (no scan of items or
// answers), answers per hour and per labeler over a window, and each labeler's pace (time per item,
// items per hour of time on task). The window's answers are read once, by their submission time.

const TOP_LABELERS = 8;

export async function labelingDashboard(db: Db, principal: Principal, query: { projectId?: string; hours: number }, now = new Date()): Promise<LabelingDashboard> {
  const projectIds = await projectIdsWhere(db, principal, "labeling:read");
  // Both conditions hold: a project asked for is still only one the caller may read.
  const where = { AND: [projectIds === undefined ? {} : { projectId: { in: projectIds } }, query.projectId ? { projectId: query.projectId } : {}] };
  const jobs = await db.labelingJob.findMany({
    where,
    orderBy: { createdAt: "desc" },
    take: 200,
    select: { id: true, name: true, taskType: true, status: true, itemCount: true, unreadableCount: true, labeledCount: true, consolidatedCount: true, responseCount: true, workersPerItem: true, agreement: true, reviewPendingCount: true, reviewedCount: true, project: { select: { name: true } } },
  });
  const since = new Date(now.getTime() - query.hours * 3_600_000);
  const answers = await db.labelingAssignment.findMany({
    where: { jobId: { in: jobs.map((j) => j.id) }, status: { in: ["submitted", "skipped"] }, submittedAt: { gte: since } },
    select: { workerId: true, status: true, submittedAt: true, timeSpentSeconds: true, jobId: true },
  });
  const people = await db.user.findMany({ where: { id: { in: [...new Set(answers.map((a) => a.workerId))] } }, select: { id: true, name: true, email: true } });
  const nameOf = new Map(people.map((p) => [p.id, p.name]));

  const labelers = new Map<string, { answers: number; skips: number; seconds: number; jobs: Set<string> }>();
  for (const a of answers) {
    const l = labelers.get(a.workerId) ?? { answers: 0, skips: 0, seconds: 0, jobs: new Set<string>() };
    if (a.status === "submitted") {
      l.answers++;
      l.seconds += a.timeSpentSeconds ?? 0;
    } else l.skips++;
    l.jobs.add(a.jobId);
    labelers.set(a.workerId, l);
  }
  const ranked = [...labelers.entries()].sort((x, y) => y[1].answers - x[1].answers);
  const top = new Set(ranked.slice(0, TOP_LABELERS).map(([id]) => id));
  const series = ranked.slice(0, TOP_LABELERS).map(([id]) => nameOf.get(id) ?? id);
  if (ranked.length > TOP_LABELERS) series.push("Others");

  const hourMs = 3_600_000;
  const first = Math.floor(since.getTime() / hourMs) * hourMs;
  const hours = Array.from({ length: Math.ceil((now.getTime() - first) / hourMs) }, (_, i) => ({ hour: new Date(first + i * hourMs).toISOString(), answers: 0, byLabeler: {} as Record<string, number> }));
  for (const a of answers) {
    if (a.status !== "submitted" || !a.submittedAt) continue;
    const bucket = hours[Math.floor((a.submittedAt.getTime() - first) / hourMs)];
    if (!bucket) continue;
    const who = top.has(a.workerId) ? (nameOf.get(a.workerId) ?? a.workerId) : "Others";
    bucket.answers++;
    bucket.byLabeler[who] = (bucket.byLabeler[who] ?? 0) + 1;
  }
  const submitted = answers.filter((a) => a.status === "submitted");
  const seconds = submitted.reduce((s, a) => s + (a.timeSpentSeconds ?? 0), 0);
  return {
    hours: query.hours,
    reviewBacklog: jobs.reduce((n, j) => n + j.reviewPendingCount, 0),
    jobs: jobs.map((j) => {
      const agreement = j.agreement ? (JSON.parse(j.agreement) as StoredAgreement) : null;
      return {
        id: j.id,
        name: j.name,
        projectName: j.project.name,
        taskType: j.taskType as LabelingDashboard["jobs"][number]["taskType"],
        status: j.status as LabelingDashboard["jobs"][number]["status"],
        items: j.itemCount - j.unreadableCount,
        labeled: j.labeledCount,
        consolidated: j.consolidatedCount,
        responses: j.responseCount,
        responsesNeeded: (j.itemCount - j.unreadableCount) * j.workersPerItem,
        reviewBacklog: j.reviewPendingCount,
        reviewed: j.reviewedCount,
        fleissKappa: agreement?.fleissKappa ?? null,
        krippendorffAlpha: agreement?.krippendorffAlpha ?? null,
      };
    }),
    totals: { answers: submitted.length, skips: answers.length - submitted.length, labelers: labelers.size, meanSecondsPerItem: submitted.length ? seconds / submitted.length : null },
    series,
    perHour: hours,
    labelers: ranked.map(([id, l]) => ({
      id,
      name: nameOf.get(id) ?? "(removed user)",
      answers: l.answers,
      skips: l.skips,
      jobs: l.jobs.size,
      meanSecondsPerItem: l.answers ? l.seconds / l.answers : null,
      itemsPerHour: l.seconds > 0 ? (l.answers * 3600) / l.seconds : null,
    })),
  };
}
