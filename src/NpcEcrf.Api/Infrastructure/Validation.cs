using System.Reflection;
using FluentValidation;

namespace NpcEcrf.Api.Infrastructure;

public static class Validation
{
    /// <summary>Registers every FluentValidation validator in this assembly (commands nest theirs).</summary>
    public static IServiceCollection AddValidators(this IServiceCollection services)
    {
        var validators = typeof(Validation).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsGenericTypeDefinition: false })
            .SelectMany(t => t.GetInterfaces()
                .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IValidator<>))
                .Select(i => (Service: i, Implementation: t)));
        foreach (var (service, implementation) in validators) services.AddSingleton(service, implementation);
        return services;
    }

    /// <summary>Hard edit checks: a body that fails its validator never reaches the handler (400, field errors).</summary>
    public static RouteHandlerBuilder Validated<T>(this RouteHandlerBuilder builder) => builder
        .AddEndpointFilter(async (context, next) =>
        {
            var command = context.Arguments.OfType<T>().FirstOrDefault();
            if (command is null)
                return Results.Problem(title: "A request body is required.", statusCode: StatusCodes.Status400BadRequest);
            var validator = context.HttpContext.RequestServices.GetService<IValidator<T>>();
            if (validator is null) return await next(context);
            var result = await validator.ValidateAsync(command, context.HttpContext.RequestAborted);
            return result.IsValid ? await next(context) : Problems.Validation(result.Errors);
        })
        .ProducesValidationProblem();

    public static IReadOnlyDictionary<string, string[]> ToDictionary(this IEnumerable<FluentValidation.Results.ValidationFailure> failures) =>
        failures.GroupBy(f => Camel(f.PropertyName)).ToDictionary(g => g.Key, g => g.Select(f => f.ErrorMessage).Distinct().ToArray());

    private static string Camel(string name) => string.Join('.', name.Split('.').Select(p => p.Length == 0 ? p : char.ToLowerInvariant(p[0]) + p[1..]));
}
