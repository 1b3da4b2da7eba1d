namespace Warden.Server.Console.Customers;

/// <summary>
/// Marks a customer page (under <c>/console/my</c>): it needs a customer session, not an operator's
/// (<see cref="CustomerAuthFilter"/>), unless it is also <see cref="ConsoleAnonymousAttribute"/> (sign-in, invitation).
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class CustomerPageAttribute : Attribute;
