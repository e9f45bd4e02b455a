import type { AnchorHTMLAttributes, MouseEvent, ReactNode } from "react";
import { linkHandler } from "../router";

type Props = { to: string; children: ReactNode } & Omit<AnchorHTMLAttributes<HTMLAnchorElement>, "href">;

/** An <a href> that navigates inside the app (a modified click still opens a new tab). */
export function Link({ to, children, onClick, ...rest }: Props) {
  const go = linkHandler(to);
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    go(e);
  };
  return (
    <a href={to} onClick={handle} {...rest}>
      {children}
    </a>
  );
}
