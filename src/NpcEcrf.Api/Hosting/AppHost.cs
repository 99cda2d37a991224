using JasperFx.CodeGeneration;
using Marten;
using NpcEcrf.Api.Audit;
using NpcEcrf.Api.DataQueries;
using NpcEcrf.Api.Identity;
using NpcEcrf.Api.Locks;
using NpcEcrf.Api.Infrastructure;
using NpcEcrf.Api.Screening;
using NpcEcrf.Api.Studies;
using NpcEcrf.Api.Casebooks;
using Scalar.AspNetCore;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Marten;
using JasperFx;
using Weasel.Core;

namespace NpcEcrf.Api.Hosting;

/// <summary>Builds the web host: Marten event store, Wolverine, authentication, and every feature's endpoints.</summary>
public static class AppHost
{
    public static WebApplication Build(NpcEcrfSettings settings, string[]? args = null, Action<WebApplicationBuilder>? customise = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args ?? [], ContentRootPath = AppContext.BaseDirectory });
        // Every statement the host runs (requests, projections, Wolverine) is bounded; the command line's are not.
        settings = settings.WithStatementTimeout();
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(settings.Clock);
        builder.Services.AddHttpContextAccessor();

        // First, before Marten and Wolverine start: the schema owner's changes, the event-table guard, the grants.
        builder.Services.AddHostedService<SchemaPreparation>();
        AddEventStore(builder.Services, settings);

        builder.Services.AddIdentity(settings);
        builder.Services.AddSingleton<StudyRouting>();
        builder.Services.AddSingleton(s => new AuditTrail(s.GetRequiredService<NpcEcrfSettings>(),
            StudyRouting.RequestTenant(s) is { } tenant ? () => StudyRouting.DatabaseOf(s.GetRequiredService<IDocumentStore>(), tenant()).CreateConnection() : null));
        builder.Services.AddSingleton(s => new TamperEvidence.StoreVerifier(s.GetRequiredService<NpcEcrfSettings>(), s.GetRequiredService<IDocumentStore>(), StudyRouting.RequestTenant(s)));
        builder.Services.AddValidators();
        builder.Services.AddProblemDetails();
        // Malformed bodies reach ProblemExceptionHandler, which names the field the JSON broke at.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddOpenApi(o => OpenApi.ContractTransformer.AddContract(o));
        Health.AddChecks(builder.Services, settings);
        builder.Services.ConfigureHttpJsonOptions(o => StrictJson.Configure(o.SerializerOptions));
        customise?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseCorrelationIds();
        app.UseMiddleware<Infrastructure.NoNulInAddress>();
        // Bodies are small forms: keep them readable so a refusal can name every missing field.
        app.Use((context, next) => { context.Request.EnableBuffering(); return next(); });
        app.UseAuthentication();
        app.UseAuthorization();
        // With a database per study: which study's database this request's sessions open (after authorisation, so an
        // anonymous caller learns nothing about where studies are).
        StudyRouting.UseStudyDatabases(app, settings);

        Health.Map(app);
        app.MapOpenApi().AllowAnonymous();
        // The reference works offline (sites behind firewalls): the product's title, its assets served from here, no font
        // CDN, no telemetry, no cloud client button.
        app.MapScalarApiReference("/docs", options =>
        {
            options.Title = "NpcEcrf API reference";
            options.DefaultFonts = false;
            options.Telemetry = false;
            options.HideClientButton = true;
        }).AllowAnonymous();
        app.MapIdentity();
        app.MapStudies();
        app.MapScreening();
        app.MapSubjects();
        ScheduleTracking.RecordMissedForm.Map(app);
        ScheduleTracking.ReadSchedule.Map(app);
        app.MapDataQueries();
        app.MapLocks();
        Analyses.Analyses.Map(app);
        Standards.ExportDatasets.Map(app);
        Standards.ExportDatasets.MapAsOf(app);
        ReadAuditTrail.Map(app);
        Exports.OdmExport.Map(app);
        OdmImport.ImportOdm.Map(app);
        app.MapGet("/audit/verify", async (TamperEvidence.StoreVerifier verifier, CancellationToken ct) => await verifier.Verify(null, ct))
            .RequireAuthorization(p => p.RequireRole(Roles.Auditor, Roles.Admin))
            .Refuses(403).Operation("verifyAuditTrail", "Verify every event's seal and the chain (tamper evidence)", "Audit");
        return app;
    }

    /// <summary>
    /// Marten and Wolverine, for the web host and for the schema owner's one-off host (SchemaPreparation). A
    /// connection that may change the schema (the owner's, or the only one configured) applies Marten's and
    /// Wolverine's changes on start-up; the application's, when an owner exists, changes nothing.
    /// </summary>
    internal static void AddEventStore(IServiceCollection services, NpcEcrfSettings settings)
    {
        // With a database per study, SchemaPreparation readies the master and StudyPlacement each study's database.
        var mayChangeSchema = settings.OwnerConnectionString is null && settings.StudyDatabases is null;
        var marten = services.AddMarten(opts => ConfigureStore(opts, settings))
            .UseLightweightSessions()
            .BuildSessionsWith<ActorSessionFactory>();
        if (mayChangeSchema) marten.ApplyAllDatabaseChangesOnStartup();
        marten.IntegrateWithWolverine(m =>
        {
            m.MessageStorageSchemaName = settings.Schema;
            // Marten's own HotCold election cannot run with the DistributedLock shim; Wolverine's agents can.
            m.UseWolverineManagedEventSubscriptionDistribution = true;
            // A database per study: Wolverine's own tables (nodes, agents, the durable queues) live in the master database.
            if (settings.StudyDatabases is not null) m.MainDatabaseConnectionString = settings.ConnectionString;
        });

        services.AddWolverine(opts =>
        {
            opts.Policies.AutoApplyTransactions();
            // Side effects of commands (a new lock's verification) are persisted with the command and survive a crash.
            opts.Policies.UseDurableLocalQueues();
            opts.OnException(e => Conflicts.IsConcurrencyConflict(e)).RetryWithCooldown(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));
            opts.CodeGeneration.TypeLoadMode = TypeLoadMode.Dynamic;
            opts.ApplicationAssembly = typeof(AppHost).Assembly;
            if (!mayChangeSchema) opts.AutoBuildMessageStorageOnStartup = AutoCreate.None;
            if (settings.Cluster.HealthCheck is { } healthCheck) opts.Durability.HealthCheckPollingTime = healthCheck;
            if (settings.Cluster.StaleNode is { } staleNode) opts.Durability.StaleNodeTimeout = staleNode;
            if (settings.Cluster.CheckAssignments is { } checkAssignments) opts.Durability.CheckAssignmentPeriod = checkAssignments;
            // With a database per study, a study server that is down at start is logged, not fatal: the node serves the
            // other studies, and that study's requests answer 503 (its storage was checked when it was placed).
            if (settings.StudyDatabases is not null) opts.ResourceMigrationFailureMode = ResourceMigrationFailureMode.ContinueOnFailures;
        });
    }

    /// <summary>The store configuration, shared by the web host and the command line.</summary>
    public static void ConfigureStore(StoreOptions opts, NpcEcrfSettings settings, bool asyncProjections = true)
    {
        if (settings.StudyDatabases is null) opts.Connection(settings.ConnectionString);
        else StudyDatabases.Configure(opts, settings);
        opts.DatabaseSchemaName = settings.Schema;
        opts.Events.DatabaseSchemaName = settings.Schema;
        // The application's role cannot change the schema when an owner does it (SchemaPreparation).
        opts.AutoCreateSchemaObjects = settings.OwnerConnectionString is null ? AutoCreate.CreateOrUpdate : AutoCreate.None;
        // Who, in which request, caused by which command, and why: Part 11's audit trail lives here.
        opts.Events.MetadataConfig.EnableAll();
        opts.Events.MetadataConfig.UserNameEnabled = true;
        // Readable JSON in the database: the audit trail and direct SQL read what the API shows.
        opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
        opts.Listeners.Add(new TamperEvidence.SealingListener(new TamperEvidence.EventSeal(settings.SigningKey), settings.Schema));
        opts.ConfigureIdentity();
        opts.ConfigureStudies();
        opts.ConfigureScreening();
        opts.ConfigureSubjects(asyncProjections);
        opts.ConfigureDataQueries();
        opts.ConfigureLocks();
        opts.Schema.For<Analyses.SavedPlan>();
    }

    /// <summary>A store for the command line, configured exactly as the web host's.</summary>
    /// <remarks>Without the asynchronous projection: the command line runs no daemon, and Marten would say so on stdout.</remarks>
    public static DocumentStore Store(NpcEcrfSettings settings) => DocumentStore.For(opts => ConfigureStore(opts, settings, asyncProjections: false));
}
