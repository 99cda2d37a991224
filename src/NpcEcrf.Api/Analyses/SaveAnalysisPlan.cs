using FluentValidation;
using Marten;
using NpcEcrf.Analysis;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Studies;

namespace NpcEcrf.Api.Analyses;

/// <summary>A saved analysis plan of one study; plans never change once saved, so an analysis can always name the plan it used.</summary>
public sealed record SavedPlan(string Id, string StudyId, AnalysisPlan Plan, string? SavedBy, DateTimeOffset SavedAt)
{
    /// <summary>Plan names are unique within a study, so the study is part of the key.</summary>
    public static string IdFor(string studyId, string name) => $"{StableIds.Canonical(studyId)}/{name}";
}

/// <summary>
/// A statistician saves a plan for a study: its covariates are factors of that study (the latest definition's), and,
/// optionally, how it defines its populations and treatment-emergent events (omitted: <see cref="PopulationRules.Default"/>).
/// </summary>
public sealed record SaveAnalysisPlan(string StudyId, string Name, string[] PfsCovariates, Ties Ties, string Rationale, PopulationRules? Populations = null)
{
    public sealed class Validator : AbstractValidator<SaveAnalysisPlan>
    {
        public Validator()
        {
            RuleFor(c => c.StudyId).NotEmpty();
            RuleFor(c => c.Name).NotEmpty().MaximumLength(80).Matches("^[A-Za-z0-9._-]+$");
            RuleFor(c => c.PfsCovariates).NotEmpty();
            RuleFor(c => c.PfsCovariates).Must(c => c.Distinct().Count() == c.Length).WithMessage("Name each covariate once.");
            RuleFor(c => c.Ties).IsInEnum();
            RuleFor(c => c.Rationale).NotEmpty().WithMessage("Say why these covariates: the plan is printed with every analysis.");
            RuleFor(c => c.Populations!.SurvivalSet).Must(PopulationRules.AllowedSurvivalSet).When(c => c.Populations is not null)
                .OverridePropertyName("populations.survivalSet")
                .WithMessage("Survival is analysed on the Treated (safety) or the Evaluable set: time to event starts at the first dose, which an untreated subject does not have.");
            RuleFor(c => c.Populations!.TreatmentEmergence).IsInEnum().When(c => c.Populations is not null).OverridePropertyName("populations.treatmentEmergence");
        }
    }

    /// <summary>The covariates must be factors of the study; a 400 lists the ones it has.</summary>
    public static Rejection? Check(Study study, SaveAnalysisPlan c)
    {
        var allowed = StudyCovariates.FactorNames(study.Latest.Definition);
        var unknown = c.PfsCovariates.Where(name => !allowed.Contains(name)).ToList();
        return unknown.Count == 0 ? null : Rejection.Invalid("pfsCovariates",
            $"Study {study.StudyId} has no factor {string.Join(", ", unknown.Select(u => $"'{u}'"))}. Its factors: {string.Join(", ", allowed)}.");
    }

    public static async Task<(SavedPlan? Saved, Rejection? Problem)> Run(IDocumentSession session, Actor actor, SaveAnalysisPlan c, DateTimeOffset now, CancellationToken ct)
    {
        if (!actor.Has(Roles.Statistician)) return (null, Rejection.Forbidden("Statisticians save analysis plans."));
        if (await session.LoadAsync<Study>(Study.IdFor(c.StudyId), ct) is not { } study) return (null, Rejection.NotFound($"Study '{c.StudyId}'"));
        if (Check(study, c) is { } invalid) return (null, invalid);
        var exists = Rejection.Conflict($"Plan '{c.Name}' of study {study.StudyId} exists; plans never change. Save a new one.");
        var id = SavedPlan.IdFor(study.StudyId, c.Name);
        if (await session.LoadAsync<SavedPlan>(id, ct) is not null) return (null, exists);
        var saved = new SavedPlan(id, study.StudyId, new AnalysisPlan(c.Name, c.PfsCovariates, c.Ties, c.Rationale, c.Populations), actor.Username, now);
        session.Insert(saved);
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (Conflicts.IsConcurrencyConflict(e))
        {
            // Another statistician saved the same name in the meantime.
            return (null, exists);
        }
        return (saved, null);
    }

    public static void Map(IEndpointRouteBuilder app) => app
        .MapPost("/analysis-plans", async (SaveAnalysisPlan c, HttpContext http, IDocumentSession session, TimeProvider clock) =>
        {
            var (saved, problem) = await Run(session, Actor.From(http.User), c, clock.GetUtcNow(), http.RequestAborted);
            return problem?.ToHttp() ?? Results.Created($"/analysis-plans?studyId={Uri.EscapeDataString(saved!.StudyId)}", saved);
        })
        .Validated<SaveAnalysisPlan>()
        .WithTags("Analysis");
}
