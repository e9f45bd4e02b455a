// German: single sign-on, two-factor authentication and its reset by an admin.
// Keys are the English source texts (see ../index.tsx).
import type { Catalog } from "../index";

const de: Catalog = {
  "Sign in with {provider}": "Anmelden mit {provider}",
  "Two-factor authentication": "Zwei-Faktor-Authentifizierung",
  "Keep these recovery codes somewhere safe. Each works once, if the phone is lost. They are not shown again.":
    "Bewahren Sie diese Wiederherstellungscodes sicher auf. Jeder gilt einmal, falls das Telefon verloren geht. Sie werden nicht noch einmal angezeigt.",
  "Continue": "Weiter",
  "Your role signs in with a second factor. Scan this code with an authenticator app, then enter the code it shows.":
    "Ihre Rolle meldet sich mit einem zweiten Faktor an. Scannen Sie diesen Code mit einer Authenticator-App und geben Sie dann den angezeigten Code ein.",
  "QR code for the authenticator app": "QR-Code für die Authenticator-App",
  "Or type this key into the app:": "Oder geben Sie diesen Schlüssel in der App ein:",
  "Enter the code from your authenticator app, or one of your recovery codes.":
    "Geben Sie den Code aus Ihrer Authenticator-App oder einen Ihrer Wiederherstellungscodes ein.",
  "Authentication code": "Bestätigungscode",
  "Turn on two-factor authentication": "Zwei-Faktor-Authentifizierung einschalten",
  "Verify": "Bestätigen",
  "Reset the MFA of {username}? Their sessions end too.":
    "Zwei-Faktor-Anmeldung von {username} zurücksetzen? Die Sitzungen enden ebenfalls.",
  "{username}: MFA reset.": "{username}: Zwei-Faktor-Anmeldung zurückgesetzt.",
  "The MFA could not be reset.": "Die Zwei-Faktor-Anmeldung konnte nicht zurückgesetzt werden.",
  "Reset the MFA of {username}": "Zwei-Faktor-Anmeldung von {username} zurücksetzen",
  "Reset MFA": "2FA zurücksetzen",
  "MFA": "2FA",
  "SSO": "SSO",
  "You sign in through your company's sign-on; it asks for the second factor.":
    "Sie melden sich über die Anmeldung Ihres Unternehmens an; sie fragt nach dem zweiten Faktor.",
  "Two-factor authentication is on. If you lose your phone and your recovery codes, an admin can reset it.":
    "Die Zwei-Faktor-Authentifizierung ist eingeschaltet. Wenn Sie Telefon und Wiederherstellungscodes verlieren, kann ein Administrator sie zurücksetzen.",
  "Scan this code with an authenticator app, then enter the code it shows.":
    "Scannen Sie diesen Code mit einer Authenticator-App und geben Sie dann den angezeigten Code ein.",
  "A code from an authenticator app on your phone, asked for after the password, keeps your account safe when the password gets out.":
    "Ein Code aus einer Authenticator-App auf Ihrem Telefon, nach dem Passwort abgefragt, schützt Ihr Konto, wenn das Passwort bekannt wird.",
  "Set up two-factor authentication": "Zwei-Faktor-Authentifizierung einrichten",
};

export default de;
