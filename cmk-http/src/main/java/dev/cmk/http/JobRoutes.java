package dev.cmk.http;

import dev.cmk.http.model.AvailabilityModel.Backfill;
import dev.cmk.http.model.AvailabilityModel.JobView;
import dev.cmk.http.model.AvailabilityModel.RecoveryModeView;
import dev.cmk.http.model.AvailabilityModel.Rotate;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.reprotect.JobService;
import dev.cmk.service.reprotect.JobService.BackfillRequest;
import dev.cmk.service.reprotect.JobService.RotateRequest;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Optional;

/** Re-protection jobs: progress, manual rotation, backfill and the account's recovery depth. */
final class JobRoutes {
  private final JobService jobs;

  JobRoutes(JobService jobs) {
    this.jobs = jobs;
  }

  void register(RoutesConfig r) {
    r.get("/v1/accounts/{accountId}/jobs", this::list);
    r.get("/v1/accounts/{accountId}/jobs/{jobId}", this::get);
    r.post("/v1/accounts/{accountId}/rotate", this::rotate);
    r.post("/v1/accounts/{accountId}/backfill", this::backfill);
    r.get("/v1/accounts/{accountId}/recovery-mode", this::mode);
    r.put("/v1/accounts/{accountId}/recovery-mode", this::setMode);
  }

  private void list(Context ctx) {
    Json.write(ctx, 200, jobs.list(ctx.pathParam("accountId")).stream().map(JobView::of).toList());
  }

  private void get(Context ctx) {
    Json.write(ctx, 200, JobView.of(jobs.get(ctx.pathParam("accountId"), ctx.pathParam("jobId"))));
  }

  private void rotate(Context ctx) {
    Rotate req = Json.body(ctx, Rotate.class);
    // {"keyId": "key_…"} alone names a registration; with a provider it is the provider's key id
    Optional<String> registration =
        Optional.ofNullable(req.customerKeyId())
            .or(() -> req.provider() == null ? Optional.ofNullable(req.keyId()) : Optional.empty());
    if (registration.isEmpty() && (req.provider() == null || req.keyId() == null)) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST,
          "give the id of a registered key (customerKeyId) or provider and keyId of a new one");
    }
    var job =
        jobs.rotate(
            Callers.of(ctx),
            ctx.pathParam("accountId"),
            new RotateRequest(
                registration,
                registration.isPresent() ? Optional.empty() : Optional.of(req.provider()),
                registration.isPresent() ? Optional.empty() : Optional.of(req.keyId()),
                req.replicaKeyIds() == null ? List.of() : req.replicaKeyIds()));
    Json.write(ctx, 202, JobView.of(jobs.get(job.accountId(), job.id())));
  }

  private void backfill(Context ctx) {
    // every field is optional, so an empty body asks for the default backfill
    Backfill req =
        ctx.body().isBlank() ? new Backfill(null, null, null) : Json.body(ctx, Backfill.class);
    var job =
        jobs.startBackfill(
            Callers.of(ctx),
            ctx.pathParam("accountId"),
            new BackfillRequest(
                Optional.ofNullable(req.mode()),
                Optional.ofNullable(req.userId()),
                Optional.ofNullable(req.assetType())));
    Json.write(ctx, 202, JobView.of(jobs.get(job.accountId(), job.id())));
  }

  private void mode(Context ctx) {
    Json.write(
        ctx, 200, new RecoveryModeView(jobs.recoveryMode(ctx.pathParam("accountId")).name()));
  }

  private void setMode(Context ctx) {
    RecoveryModeView req = Json.body(ctx, RecoveryModeView.class);
    Json.write(
        ctx,
        200,
        new RecoveryModeView(
            jobs.setRecoveryMode(Callers.of(ctx), ctx.pathParam("accountId"), req.mode()).name()));
  }
}
