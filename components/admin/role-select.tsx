import { roleLabels, roles, type Role } from "@/lib/roles";
import { controlClass } from "@/components/ui/field";

/** A compact role picker for table rows (studio roles and project roles share the four roles). */
export function RoleSelect({ label, value, onChange }: { label: string; value: Role; onChange: (role: Role) => void }) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value as Role)} className={`${controlClass} w-44 py-1`}>
      {roles.map((r) => (
        <option key={r} value={r}>
          {roleLabels[r]}
        </option>
      ))}
    </select>
  );
}
