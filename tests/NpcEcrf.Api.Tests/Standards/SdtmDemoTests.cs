using NpcEcrf.Api.Demo;
using NpcEcrf.Api.Locks;
using NpcEcrf.Api.Standards.Sdtm;
using NpcEcrf.Api.Tests.Demo;

namespace NpcEcrf.Api.Tests.Standards;

/// <summary>SDTM of the reference demo's final lock, replayed from the real event store: the paper's cohort and adverse-event table.</summary>
[Collection(ReferenceDemoCollection.Name)]
public class SdtmDemoTests(DemoFixture demo)
{
    [Fact]
    public async Task the_final_lock_gives_thirty_subjects_and_the_papers_adverse_event_counts()
    {
        await using var session = demo.Store.QuerySession();
        var finalLock = await ReadLocks.Find(session, demo.Result.Final.Name, default);
        Assert.NotNull(finalLock);
        var datasets = await Sdtm.FromLock(session, finalLock, default);

        var dm = datasets.Single(d => d.Name == "DM");
        Assert.Equal(30, dm.Rows.Count);
        Assert.All(dm.Rows, r => Assert.Equal($"{ReferenceStudy.StudyId}-{r[dm.IndexOf("SUBJID")]}", r[dm.IndexOf("USUBJID")]));

        // The paper counts patients by their worst grade of each term: AE has one record per event, so take each subject's worst.
        var ae = datasets.Single(d => d.Name == "AE");
        var worst = ae.Rows.GroupBy(r => ((string)r[ae.IndexOf("AETERM")]!, (string)r[ae.IndexOf("USUBJID")]!))
            .Select(g => (Term: g.Key.Item1, Grade: g.Max(r => int.Parse((string)r[ae.IndexOf("AETOXGR")]!))))
            .ToList();
        foreach (var (term, counts) in PublishedFacts.AdverseEvents)
        {
            var ofTerm = worst.Where(w => w.Term == term).ToList();
            int[] reproduced = [ofTerm.Count, .. Enumerable.Range(1, 4).Select(g => ofTerm.Count(w => w.Grade == g))];
            Assert.Equal($"{term}: {string.Join('/', counts)}", $"{term}: {string.Join('/', reproduced)}");
        }

        // Every dosed subject's best response is the one the lock's snapshot holds.
        var snapshot = CohortSnapshot.FromJson((await session.LoadAsync<LockSnapshot>(finalLock.Id))!.CanonicalJson)!;
        var rs = datasets.Single(d => d.Name == "RS");
        var best = rs.Rows.Where(r => (string?)r[rs.IndexOf("RSTESTCD")] == "BESTRESP").ToDictionary(r => (string)r[rs.IndexOf("USUBJID")]!, r => (string?)r[rs.IndexOf("RSORRES")]);
        Assert.All(snapshot.Subjects, s => Assert.Equal(s.BestOverallResponse?.ToString(), best.GetValueOrDefault($"{ReferenceStudy.StudyId}-{s.SubjectNumber}")));
        Assert.Equal(snapshot.Subjects.Count(s => s.Os is { Event: true }), dm.Rows.Count(r => (string?)r[dm.IndexOf("DTHFL")] == "Y"));
    }
}
