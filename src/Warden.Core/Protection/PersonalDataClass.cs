namespace Warden.Core.Protection;

/// <summary>
/// A kind of personal information a recogniser finds, named as it appears in receipts and the transfer register
/// (<c>cn_id</c>, <c>phone</c>, <c>bank_card</c>, <c>email</c>, <c>passport</c>, <c>uscc</c>, <c>ip</c>, and
/// <c>custom:&lt;name&gt;</c> for an operator's pattern). Compared by name.
/// </summary>
public readonly record struct PersonalDataClass
{
    private PersonalDataClass(string name) => Name = name;

    /// <summary>Mainland resident identity number (GB 11643).</summary>
    public static PersonalDataClass CnId { get; } = new("cn_id");

    public static PersonalDataClass Phone { get; } = new("phone");

    public static PersonalDataClass BankCard { get; } = new("bank_card");

    public static PersonalDataClass Email { get; } = new("email");

    public static PersonalDataClass Passport { get; } = new("passport");

    /// <summary>Unified social credit code (GB 32100).</summary>
    public static PersonalDataClass Uscc { get; } = new("uscc");

    public static PersonalDataClass Ip { get; } = new("ip");

    /// <summary>The built-in classes, in the order receipts list them.</summary>
    public static IReadOnlyList<PersonalDataClass> BuiltIn { get; } = [CnId, Phone, BankCard, Email, Passport, Uscc, Ip];

    public const string CustomPrefix = "custom:";

    public string Name { get; }

    public bool IsCustom => Name.StartsWith(CustomPrefix, StringComparison.Ordinal);

    /// <summary>The class of an operator's pattern called <paramref name="name"/> (see <see cref="CustomPersonalDataPattern.IsValidName"/>).</summary>
    public static PersonalDataClass Custom(string name)
    {
        if (!CustomPersonalDataPattern.IsValidName(name))
        {
            throw new ArgumentException("A custom pattern's name is 1 to 32 characters of a-z, 0-9, '_' and '-'.", nameof(name));
        }

        return new PersonalDataClass(CustomPrefix + name);
    }

    /// <summary>Reads a class name as receipts write it; false for anything else.</summary>
    public static bool TryParse(string? name, out PersonalDataClass value)
    {
        value = default;
        if (name is null)
        {
            return false;
        }

        foreach (var builtIn in BuiltIn)
        {
            if (builtIn.Name == name)
            {
                value = builtIn;
                return true;
            }
        }

        if (name.StartsWith(CustomPrefix, StringComparison.Ordinal) && CustomPersonalDataPattern.IsValidName(name[CustomPrefix.Length..]))
        {
            value = new PersonalDataClass(name);
            return true;
        }

        return false;
    }

    public override string ToString() => Name ?? "";
}
