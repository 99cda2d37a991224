namespace NpcEcrf.Api.Survival;

public sealed record ContactRecorded(DateOnly Date, string Method);
public sealed record DeathRecorded(DateOnly Date, string Cause);
public sealed record LostToFollowUp(DateOnly LastKnownAliveDate, string Details);
