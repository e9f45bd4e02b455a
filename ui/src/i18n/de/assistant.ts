// German: the assistant ("Ask" panel and the terminal's question box). Keys are the English source texts (see ../index.tsx).
// The example questions stay English: the assistant's grammar understands English only,
// and the panel says so ("Questions and answers are in English.").
import type { Catalog } from "../index";

const de: Catalog = {
  "Ask": "Fragen",
  "Ask a question about orders, KPIs or downtime": "Eine Frage zu Aufträgen, Kennzahlen oder Stillständen stellen",
  "Ask Linewise": "Linewise fragen",
  "New conversation": "Neues Gespräch",
  "Ask in words about orders, KPIs and downtime. Answers come from the data only, with the page that explains them; where the data cannot tell, the assistant says so.":
    "Fragen Sie in Worten nach Aufträgen, Kennzahlen und Stillständen. Die Antworten kommen nur aus den Daten, mit der Seite, die sie erklärt; wo die Daten nichts sagen, sagt der Assistent das.",
  "Questions and answers are in English.": "Fragen und Antworten sind auf Englisch.",
  "Conversation": "Gespräch",
  "Looking it up…": "Wird nachgeschlagen …",
  "You asked:": "Ihre Frage:",
  "Not answered from the data": "Aus den Daten nicht zu beantworten",
  "Window: {window}": "Zeitraum: {window}",
  "Open the page that explains it": "Seite öffnen, die es erklärt",
  "Source: {source}": "Quelle: {source}",
  "Your question": "Ihre Frage",
  "Ask about orders, KPIs or downtime…": "Fragen zu Aufträgen, Kennzahlen oder Stillständen …",
  "Send": "Senden",
  "Example questions": "Beispielfragen",
  "Ask about your order or line": "Fragen zu Ihrem Auftrag oder Ihrer Linie",
  // errors
  "The question could not be asked: {detail}": "Die Frage konnte nicht gestellt werden: {detail}",
  "Cannot reach the server: the question was not sent. Check the connection and ask again.":
    "Der Server ist nicht erreichbar: Die Frage wurde nicht gesendet. Prüfen Sie die Verbindung und fragen Sie erneut.",
  "Not allowed: {detail}": "Nicht erlaubt: {detail}",
  "Too many questions at once; wait a moment and ask again.": "Zu viele Fragen auf einmal; warten Sie einen Moment und fragen Sie erneut.",
  "The question was refused: {detail}": "Die Frage wurde abgelehnt: {detail}",
  "The server could not answer (error {status}). Try again.": "Der Server konnte nicht antworten (Fehler {status}). Versuchen Sie es erneut.",
  // example questions: English on purpose (see above)
  "What is the OEE today?": "What is the OEE today?",
  "What were the biggest downtime causes yesterday?": "What were the biggest downtime causes yesterday?",
  "How many good units were made this week?": "How many good units were made this week?",
  "Which stage is order {order} in?": "Which stage is order {order} in?",
  "Is order {order} late?": "Is order {order} late?",
  "How many good units did {line} make today?": "How many good units did {line} make today?",
};

export default de;
