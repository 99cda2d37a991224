using NpcEcrf.Api.Clinical;
using NpcEcrf.Api.Demo;

namespace NpcEcrf.Api.Tests.Demo;

/// <summary>The demos' lesion courses are varied and read by RECIST 1.1 as the response each patient is given.</summary>
public class LesionSizesTests
{
    private static decimal Change(decimal[] mm, decimal[] baseline) => (mm.Sum() - baseline.Sum()) / baseline.Sum() * 100;

    [Theory]
    [InlineData(LesionSizes.Course.PartialResponse, 6)]
    [InlineData(LesionSizes.Course.PartialResponse, 3)]
    [InlineData(LesionSizes.Course.StableDisease, 4)]
    [InlineData(LesionSizes.Course.StableDisease, 2)]
    [InlineData(LesionSizes.Course.Progression, 1)]
    public void each_course_reads_as_its_response_progresses_at_its_last_scan_and_varies_from_patient_to_patient(LesionSizes.Course course, int scans)
    {
        var best = new List<decimal>();
        for (var seed = 1; seed <= 200; seed++)
        {
            decimal[] baseline = [LesionSizes.Baseline(seed * 7 + 1, 16, 46), LesionSizes.Baseline(seed * 7 + 2, 15, 26)];
            bool[] nodal = [false, true];
            var course_ = LesionSizes.Scans(baseline, nodal, course, scans, progressesAtLast: true, seed);
            Assert.Equal(scans, course_.Count);
            var nadir = baseline.Sum();
            var previous = baseline;
            for (var k = 0; k < scans; k++)
            {
                var mm = course_[k].DiametersMm;
                var target = Recist.TargetResponse(mm.Zip(nodal, (d, n) => (n, d)).ToList(), mm.Sum(), baseline.Sum(), nadir);
                var overall = Recist.Overall(target, Api.TumourAssessments.NonTargetStatus.NonCRNonPD, course_[k].NewLesions);
                if (k == scans - 1) Assert.Equal(Response.PD, overall);
                else if (course == LesionSizes.Course.PartialResponse && k > 0) Assert.Equal(Response.PR, overall);
                else if (course == LesionSizes.Course.PartialResponse) Assert.Contains(overall, new[] { Response.SD, Response.PR });
                else Assert.Equal(Response.SD, overall);
                // No lesion grows by 80% between two scans: the lesion-growth check stays quiet.
                Assert.All(mm.Zip(previous), p => Assert.True((p.First - p.Second) / p.Second < 0.8m, $"{p.Second} -> {p.First} mm"));
                nadir = Math.Min(nadir, mm.Sum());
                previous = mm;
            }
            best.Add(course_.Take(scans == 1 ? 1 : scans - 1).Min(s => Change(s.DiametersMm, baseline)));
        }
        if (course == LesionSizes.Course.PartialResponse) Assert.All(best, b => Assert.InRange(b, -100m, -30m));
        if (course == LesionSizes.Course.StableDisease) Assert.All(best, b => Assert.InRange(b, -29.9m, 19.9m));
        Assert.True(best.Select(b => Math.Round(b)).Distinct().Count() >= 15, "the courses vary");
    }
}
